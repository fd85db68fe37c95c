-- ark_event_id (0003) again, as one expression without FROM, so that PostgreSQL inlines it into the statements that
-- call it (the event append): a SQL function it cannot inline is parsed and planned again on every execution of the
-- calling statement, which cost about 0.5 ms per append — more than the append itself. Inlining needs the body's
-- volatility to be no stricter than the function's: convert_to() is STABLE, so the function is declared STABLE now
-- (it is only ever called in statements, never in an index). Same bytes, same ids: the digest is computed three times
-- instead of once, which costs microseconds.
CREATE OR REPLACE FUNCTION ark_event_id(stream text, seq bigint) RETURNS uuid
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT encode(
    set_byte(
      set_byte(
        substring(sha256('\xd56d9e0a217a4b52b2b807a96a91e090'::bytea || convert_to(stream || ':' || seq::text, 'UTF8')) FROM 1 FOR 16),
        6, (get_byte(sha256('\xd56d9e0a217a4b52b2b807a96a91e090'::bytea || convert_to(stream || ':' || seq::text, 'UTF8')), 6) & 15) | 128),
      8, (get_byte(sha256('\xd56d9e0a217a4b52b2b807a96a91e090'::bytea || convert_to(stream || ':' || seq::text, 'UTF8')), 8) & 63) | 128),
    'hex')::uuid
$$;
