-- Runtime settings (node-executor and future namespaces): one row per (namespace, key), values as text.
-- Secrets are stored only encrypted (enc:v1:...) with the fingerprint computed at write time, so redacted
-- reads need no key. Every successful update appends a versioned row to ark_settings_history.

CREATE TABLE ark_settings (
  namespace   text        NOT NULL,
  key         text        NOT NULL,
  value       text        NOT NULL,
  is_secret   boolean     NOT NULL DEFAULT false,
  fingerprint text,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text        NOT NULL DEFAULT '',
  PRIMARY KEY (namespace, key),
  CONSTRAINT ark_settings_secret_encrypted CHECK (NOT is_secret OR (value LIKE 'enc:v1:%' AND fingerprint IS NOT NULL))
);

CREATE TABLE ark_settings_history (
  version    bigserial   PRIMARY KEY,
  namespace  text        NOT NULL,
  actor      text        NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changes    jsonb       NOT NULL,
  CONSTRAINT ark_settings_history_changes_object CHECK (jsonb_typeof(changes) = 'object')
);

CREATE INDEX ark_settings_history_by_namespace ON ark_settings_history (namespace, version DESC);
