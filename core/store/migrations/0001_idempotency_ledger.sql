-- The idempotency ledger (core/tooling/idempotency-ledger.ts): one row per claimed (scope, key).
-- A claim is `pending` until its owner records a result (`completed`); after expires_at anyone may claim it again,
-- and purgeExpired() deletes it. claim_token tells the caller of claim() whether its own statement won the row.
CREATE TABLE ark_idempotency_ledger (
  scope text NOT NULL,
  key text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'completed')),
  result jsonb,
  claim_token uuid NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE INDEX ark_idempotency_ledger_expires_at ON ark_idempotency_ledger (expires_at);
