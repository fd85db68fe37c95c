-- The flow engine (core/flow): flowcharts and their graphs, runs, node runs, activations, fan-in state, artifacts.
-- A run snapshots its flowchart's graph and settings when it starts, so editing a flowchart never changes a run that
-- is already going, and node-run history survives the removal of a node. Every row the orchestrator needs to resume a
-- run after a crash is here: pending activations (a node ready to run with its upstream tokens), the fan-in queues,
-- and the leases of running node runs.

CREATE TABLE ark_flowcharts (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name           text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
  description    text        CHECK (description IS NULL OR length(description) <= 512),
  schema_version integer     NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
  -- max_node_executions, max_runtime_minutes, max_parallel_nodes (core/flow/store/flow-settings.ts)
  settings       jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ark_flow_nodes (
  flowchart_id bigint  NOT NULL REFERENCES ark_flowcharts (id) ON DELETE CASCADE,
  id           text    NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  ordinal      integer NOT NULL,
  node_type    text    NOT NULL CHECK (length(node_type) BETWEEN 1 AND 32),
  ref_id       bigint,
  title        text,
  config       jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  -- layout position and bindings (model, mcp servers, scripts, skills, attachments), as the graph model holds them
  extra        jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(extra) = 'object'),
  PRIMARY KEY (flowchart_id, id),
  UNIQUE (flowchart_id, ordinal)
);

-- Connector order is meaningful (fan-out order, decision route order): `ordinal` keeps it.
CREATE TABLE ark_flow_connectors (
  flowchart_id   bigint  NOT NULL REFERENCES ark_flowcharts (id) ON DELETE CASCADE,
  id             text    NOT NULL CHECK (length(id) BETWEEN 1 AND 300),
  ordinal        integer NOT NULL,
  source_node_id text    NOT NULL,
  target_node_id text    NOT NULL,
  mode           text    NOT NULL CHECK (mode IN ('solid', 'dotted', 'dashed')),
  condition_key  text    CHECK (condition_key IS NULL OR length(condition_key) BETWEEN 1 AND 128),
  label          text,
  extra          jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(extra) = 'object'),
  PRIMARY KEY (flowchart_id, id),
  UNIQUE (flowchart_id, ordinal),
  FOREIGN KEY (flowchart_id, source_node_id) REFERENCES ark_flow_nodes (flowchart_id, id) ON DELETE CASCADE,
  FOREIGN KEY (flowchart_id, target_node_id) REFERENCES ark_flow_nodes (flowchart_id, id) ON DELETE CASCADE
);

CREATE TABLE ark_flow_runs (
  id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flowchart_id          bigint      NOT NULL REFERENCES ark_flowcharts (id) ON DELETE CASCADE,
  status                text        NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'pausing', 'paused', 'stopping', 'completed', 'failed', 'stopped', 'canceled')),
  -- Decided while node runs were still in flight: the run takes this status once they have finished.
  outcome               text        CHECK (outcome IS NULL OR outcome IN ('completed', 'failed')),
  failure_message       text,
  schema_version        integer     NOT NULL,
  graph                 jsonb       NOT NULL CHECK (jsonb_typeof(graph) = 'object'),
  settings              jsonb       NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
  entry_node_id         text        NOT NULL,
  total_execution_count integer     NOT NULL DEFAULT 0 CHECK (total_execution_count >= 0),
  -- A replay's starting point: {latest_results: {node: result}, execution_counts: {node: n}} of its source run.
  base_state            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(base_state) = 'object'),
  warnings              jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(warnings) = 'array'),
  -- Why the run exists: api, follow_up (Start reached again), child (a flowchart node), replay (retry/skip/rewind).
  origin                text        NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'follow_up', 'child', 'replay')),
  source_run_id         bigint      REFERENCES ark_flow_runs (id) ON DELETE SET NULL,
  replay_action         text        CHECK (replay_action IS NULL OR replay_action IN ('retry', 'skip', 'rewind')),
  parent_node_run_id    bigint      UNIQUE,
  depth                 integer     NOT NULL DEFAULT 0 CHECK (depth >= 0),
  request_id            text,
  correlation_id        text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  started_at            timestamptz,
  finished_at           timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ark_flow_runs_by_flowchart ON ark_flow_runs (flowchart_id, id DESC);
CREATE INDEX ark_flow_runs_active ON ark_flow_runs (id) WHERE status IN ('queued', 'running', 'pausing', 'paused', 'stopping');
CREATE INDEX ark_flow_runs_by_source ON ark_flow_runs (source_run_id) WHERE source_run_id IS NOT NULL;

CREATE TABLE ark_flow_node_runs (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           bigint      NOT NULL REFERENCES ark_flow_runs (id) ON DELETE CASCADE,
  node_id          text        NOT NULL,
  node_type        text        NOT NULL,
  execution_index  integer     NOT NULL CHECK (execution_index >= 1),
  -- Run-wide 1-based execution number: orders tokens and picks latest_upstream.
  sequence         integer     NOT NULL CHECK (sequence >= 1),
  status           text        NOT NULL DEFAULT 'running'
                   CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled', 'skipped')),
  input_context    jsonb,
  -- The activation's upstream tokens (what replay resumes from).
  upstream_tokens  jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(upstream_tokens) = 'array'),
  output_state     jsonb,
  routing_state    jsonb,
  -- Dispatch metadata: dispatcher, dispatch status, attempts, runtime evidence, selected connectors.
  routing_metadata jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(routing_metadata) = 'object'),
  error            text,
  error_code       text,
  degraded         boolean     NOT NULL DEFAULT false,
  degraded_reason  text,
  guardrail        boolean     NOT NULL DEFAULT false,
  idempotency_key  text        NOT NULL UNIQUE,
  attempt          integer     NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  lease_owner      text,
  lease_expires_at timestamptz,
  heartbeat_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, node_id, execution_index),
  UNIQUE (run_id, sequence)
);

CREATE INDEX ark_flow_node_runs_by_run ON ark_flow_node_runs (run_id, sequence);
CREATE INDEX ark_flow_node_runs_latest ON ark_flow_node_runs (run_id, node_id, sequence DESC) WHERE status = 'succeeded';
CREATE INDEX ark_flow_node_runs_leases ON ark_flow_node_runs (lease_expires_at) WHERE status = 'running';

ALTER TABLE ark_flow_runs
  ADD CONSTRAINT ark_flow_runs_parent_node_run FOREIGN KEY (parent_node_run_id) REFERENCES ark_flow_node_runs (id) ON DELETE SET NULL;

-- A node ready to run with its upstream tokens. pending → claimed (a worker took it and created its node run) → done.
-- A claimed activation whose node run's lease expired goes back to pending and keeps its node run (same idempotency key).
CREATE TABLE ark_flow_activations (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id      bigint      NOT NULL REFERENCES ark_flow_runs (id) ON DELETE CASCADE,
  node_id     text        NOT NULL,
  tokens      jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tokens) = 'array'),
  state       text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'done')),
  node_run_id bigint      REFERENCES ark_flow_node_runs (id) ON DELETE SET NULL,
  -- The node run whose routing produced this activation (null for a run's entry activation and for replays).
  produced_by bigint,
  claimed_by  text,
  claimed_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ark_flow_activations_pending ON ark_flow_activations (run_id, id) WHERE state = 'pending';
CREATE INDEX ark_flow_activations_by_run ON ark_flow_activations (run_id, state);

-- FIFO token queues of one join (core/flow/graph/fan-in.ts: queues[target]), per run and target node.
CREATE TABLE ark_flow_fan_in (
  run_id         bigint NOT NULL REFERENCES ark_flow_runs (id) ON DELETE CASCADE,
  target_node_id text   NOT NULL,
  queues         jsonb  NOT NULL CHECK (jsonb_typeof(queues) = 'object'),
  PRIMARY KEY (run_id, target_node_id)
);

-- One artifact per succeeded node run (reference §12). Retention: forever | ttl | max_count | ttl_max_count; pruned
-- when a newer artifact of the same node and type is written, and by the periodic sweeper for expired rows.
CREATE TABLE ark_flow_node_artifacts (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flowchart_id     bigint      NOT NULL REFERENCES ark_flowcharts (id) ON DELETE CASCADE,
  run_id           bigint      NOT NULL REFERENCES ark_flow_runs (id) ON DELETE CASCADE,
  node_run_id      bigint      NOT NULL REFERENCES ark_flow_node_runs (id) ON DELETE CASCADE,
  node_id          text        NOT NULL,
  node_type        text        NOT NULL,
  artifact_type    text        NOT NULL CHECK (length(artifact_type) BETWEEN 1 AND 64),
  ref_id           bigint,
  execution_index  integer,
  variant_key      text        NOT NULL,
  retention_mode   text        NOT NULL DEFAULT 'ttl' CHECK (retention_mode IN ('forever', 'ttl', 'max_count', 'ttl_max_count')),
  expires_at       timestamptz,
  request_id       text        NOT NULL,
  correlation_id   text        NOT NULL,
  payload          jsonb       NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  contract_version text        NOT NULL DEFAULT 'v1',
  payload_version  integer     NOT NULL DEFAULT 1,
  idempotency_key  text        NOT NULL UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX ark_flow_node_artifacts_history ON ark_flow_node_artifacts (flowchart_id, node_id, artifact_type, created_at DESC, id DESC);
CREATE INDEX ark_flow_node_artifacts_expiry ON ark_flow_node_artifacts (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX ark_flow_node_artifacts_by_run ON ark_flow_node_artifacts (run_id, node_run_id);
CREATE INDEX ark_flow_node_artifacts_by_request ON ark_flow_node_artifacts (request_id);
CREATE INDEX ark_flow_node_artifacts_by_correlation ON ark_flow_node_artifacts (correlation_id);
