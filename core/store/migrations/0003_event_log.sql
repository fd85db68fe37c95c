-- The durable event log (core/events/event-log.ts). Every event envelope is written here in the same transaction as
-- the state change it reports, with a per-stream sequence that has no gaps: ark_event_streams holds the last sequence
-- of each stream, and the upsert that bumps it row-locks the stream until the writer's transaction ends, so writers of
-- one stream take turns and a rolled-back writer's number is reused by the next.

CREATE TABLE ark_event_streams (
  stream        text   PRIMARY KEY,
  last_sequence bigint NOT NULL CHECK (last_sequence >= 1)
);

CREATE TABLE ark_event_log (
  stream       text        NOT NULL,
  sequence     bigint      NOT NULL CHECK (sequence >= 1),
  -- Insertion order across streams, for reads by room or entity. Within a stream it follows sequence.
  log_position bigint      GENERATED ALWAYS AS IDENTITY,
  event_id     uuid        NOT NULL UNIQUE,
  event_type   text        NOT NULL,
  entity_kind  text        NOT NULL,
  entity_id    text        NOT NULL,
  room_keys    text[]      NOT NULL DEFAULT '{}',
  envelope     jsonb       NOT NULL,
  emitted_at   timestamptz NOT NULL,
  -- Id of the EventBus that appended the event ('' when appended without one): tells a kernel its own events apart.
  origin       text        NOT NULL DEFAULT '',
  PRIMARY KEY (stream, sequence),
  CONSTRAINT ark_event_log_envelope_object CHECK (jsonb_typeof(envelope) = 'object')
);

CREATE UNIQUE INDEX ark_event_log_by_position ON ark_event_log (log_position);
CREATE INDEX ark_event_log_by_entity ON ark_event_log (entity_kind, entity_id, log_position);
CREATE INDEX ark_event_log_by_room ON ark_event_log USING gin (room_keys);

-- The id of the event at (stream, seq): a name-based UUID (RFC 9562 version 8) from SHA-256 over a fixed namespace
-- and the UTF-8 text 'stream:seq'. core/events/event-id.ts computes the same; the namespace bytes must match it.
CREATE FUNCTION ark_event_id(stream text, seq bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT encode(
    set_byte(set_byte(substring(d FROM 1 FOR 16), 6, (get_byte(d, 6) & 15) | 128), 8, (get_byte(d, 8) & 63) | 128),
    'hex')::uuid
  FROM (SELECT sha256('\xd56d9e0a217a4b52b2b807a96a91e090'::bytea || convert_to(stream || ':' || seq::text, 'UTF8')) AS d) AS h
$$;
