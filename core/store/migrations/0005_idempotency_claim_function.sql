-- ark_idempotency_claim(scope, key, ttl_seconds): the idempotency ledger's claim (core/tooling/idempotency-ledger.ts)
-- as one server-side call, so a client still makes one round trip and the whole claim runs inside that one statement.
--
-- Why a function rather than one INSERT ... ON CONFLICT statement (see docs/store.md, "Idempotency ledger"):
--  * A repeat of a live claim is answered by a plain read. The single-statement upsert had to "update" the live row
--    to itself so RETURNING would yield it; that wrote a new row version, took an xid and made every repeat wait for
--    a WAL flush at commit. Here the repeat path writes nothing, so it costs about a SELECT.
--  * PL/pgSQL caches the plans of the statements inside it per connection, so the INSERT's parse/plan is paid once
--    per connection on every driver, including PGlite, whose client has no named statements of its own.
--
-- Concurrency (READ COMMITTED; in each statement of a VOLATILE function a fresh snapshot is taken):
--  1. A live row visible now is returned as `existing` (a claim that raced a concurrent complete() or release() is
--     ordered before it).
--  2. Otherwise INSERT ... ON CONFLICT DO UPDATE ... WHERE expired: a new key is inserted, an expired row is taken
--     over (result cleared); either way `claimed`. If another caller inserted or took over the row meanwhile, the
--     upsert waits for its commit, re-checks the WHERE on the committed row (now live: no update) and still locks it.
--  3. Because the row is locked by this transaction, a fresh read finds it: returned as `existing`.
-- So of N concurrent callers exactly one gets `claimed`, and the others see that winner's committed row. Under
-- REPEATABLE READ or SERIALIZABLE step 2 fails with a serialization error (40001) instead of returning a row the
-- snapshot cannot see; claims belong in READ COMMITTED transactions (the default).
--
-- claim_token (migration 0001) no longer tells the caller whether it won (the function reports that directly); it
-- still gets a fresh value per claim, so a row's token still changes exactly when its ownership does.
--
-- The table is named unqualified on purpose: it resolves through search_path like every other ARK statement, so a
-- schema-per-tenant (or per-test) setup works; plans are re-made when search_path changes.
CREATE FUNCTION ark_idempotency_claim(
  p_scope text,
  p_key text,
  p_ttl_seconds float8,
  OUT claimed boolean,
  OUT state text,
  OUT result jsonb,
  OUT claimed_at timestamptz,
  OUT expires_at timestamptz
)
LANGUAGE plpgsql VOLATILE
AS $claim$
BEGIN
  SELECT false, l.state, l.result, l.claimed_at, l.expires_at
    INTO claimed, state, result, claimed_at, expires_at
    FROM ark_idempotency_ledger AS l
    WHERE l.scope = p_scope AND l.key = p_key AND l.expires_at > now();
  IF FOUND THEN
    RETURN;
  END IF;

  INSERT INTO ark_idempotency_ledger AS l (scope, key, state, result, claim_token, claimed_at, completed_at, expires_at)
    VALUES (p_scope, p_key, 'pending', NULL, gen_random_uuid(), now(), NULL, now() + make_interval(secs => p_ttl_seconds))
    ON CONFLICT (scope, key) DO UPDATE SET
      state = 'pending',
      result = NULL,
      claim_token = EXCLUDED.claim_token,
      claimed_at = EXCLUDED.claimed_at,
      completed_at = NULL,
      expires_at = EXCLUDED.expires_at
    WHERE l.expires_at <= now()
    RETURNING true, l.state, l.result, l.claimed_at, l.expires_at
    INTO claimed, state, result, claimed_at, expires_at;
  IF FOUND THEN
    RETURN;
  END IF;

  SELECT false, l.state, l.result, l.claimed_at, l.expires_at
    INTO claimed, state, result, claimed_at, expires_at
    FROM ark_idempotency_ledger AS l
    WHERE l.scope = p_scope AND l.key = p_key;
  IF NOT FOUND THEN
    -- Unreachable in READ COMMITTED: step 2 locked the row, so it can neither vanish nor be invisible here.
    RAISE EXCEPTION 'ark_idempotency_claim: row for (%, %) vanished while locked', p_scope, p_key
      USING ERRCODE = 'XX000';
  END IF;
END
$claim$;
