/**
 * The one catalogue of ARK error codes. Every error ARK raises on purpose carries one of these codes; the code is
 * stable (scripts and the HTTP API match on it), the `hint` says what the reader should do about it.
 * Add new codes here, grouped by area, never rename one.
 */
export const errorCatalogue = {
  // config
  ARK_CONFIG_NOT_FOUND: { status: 400, hint: "Create runtime.config.yaml (or .arkrc.yaml / ark.config.yaml) in the project folder, or pass --config FILE." },
  ARK_CONFIG_PARSE: { status: 400, hint: "Fix the YAML syntax at the position shown." },
  ARK_CONFIG_INVALID: { status: 400, hint: "Fix every error listed (each names file:line:col and the path); `ark config schema` prints what is allowed." },
  ARK_CONFIG_ENV_MISSING: { status: 400, hint: "Export the variable, or give a default with ${VAR:-default}." },
  // plugins and kernel
  ARK_PLUGIN_LOAD_FAILED: { status: 500, hint: "Check the plugin's `from:` path or package name and that the module has a default export made with definePlugin()." },
  ARK_PLUGIN_MANIFEST_INVALID: { status: 500, hint: "A plugin needs an id (lower-case, dash-separated), a semver version and a `kernel` semver range." },
  ARK_PLUGIN_DUPLICATE_ID: { status: 500, hint: "Two listed plugins have the same id; remove one entry from `plugins:`." },
  ARK_PLUGIN_KERNEL_MISMATCH: { status: 500, hint: "Use a plugin version built for this kernel's API version, or upgrade ARK." },
  ARK_PLUGIN_CYCLE: { status: 500, hint: "Break the cycle: one of the plugins on the path must stop requiring the next." },
  ARK_PLUGIN_MISSING_DEPENDENCY: { status: 500, hint: "Add the missing plugins to `plugins:` in the config (or enable them), or remove the plugins that need them." },
  ARK_PLUGIN_REGISTER_FAILED: { status: 500, hint: "The plugin's register() threw; register must be synchronous and only declare contributions." },
  ARK_PLUGIN_INIT_FAILED: { status: 500, hint: "See the cause; fix the plugin's config or set onBootFailure: continue to boot without it." },
  ARK_PLUGIN_START_FAILED: { status: 500, hint: "See the cause; fix the plugin's config or set onBootFailure: continue to boot without it." },
  ARK_PLUGIN_TIMEOUT: { status: 500, hint: "The plugin did not finish in time; raise its `timeoutMs` in the config or fix what it waits for." },
  ARK_PLUGIN_DEPENDENCY_FAILED: { status: 500, hint: "Fix the dependency that failed first; this plugin could not boot without it." },
  ARK_PLUGIN_STOP_FAILED: { status: 500, hint: "A plugin failed while stopping; the others were still stopped. See the cause." },
  ARK_CONTRIBUTION_DUPLICATE: { status: 500, hint: "Two plugins contribute the same id; disable one of them or rename the contribution." },
  ARK_CONTRIBUTION_INVALID: { status: 500, hint: "The contribution is missing required fields; see the message." },
  ARK_SERVICE_NOT_VISIBLE: { status: 500, hint: "Declare the service ref in the plugin's `consumes` (or require the plugin that provides it)." },
  ARK_SERVICE_NOT_PROVIDED: { status: 500, hint: "No enabled plugin provides this service; add the plugin that provides it." },
  ARK_SERVICE_DUPLICATE: { status: 500, hint: "Two plugins provide the same service ref; keep one." },
  ARK_KERNEL_STATE: { status: 500, hint: "The kernel was used out of order (for example started twice); create a new kernel." },
  // contracts
  ARK_CONTRACT_VIOLATION: { status: 400, hint: "The data does not match its JSON Schema; see `details.issues` (each has instancePath and message)." },
  ARK_CONTRACT_UNKNOWN_SCHEMA: { status: 500, hint: "Register the schema with the contract registry before validating against it." },
  ARK_CONTRACT_DUPLICATE_SCHEMA: { status: 500, hint: "A schema with this $id is already registered with different content." },
  ARK_CONTRACT_SCHEMA_INVALID: { status: 500, hint: "The schema itself is broken (not valid JSON Schema, no $id, or a $ref to an unregistered schema); fix the schema." },
  ARK_EVENT_TYPE_INVALID: { status: 400, hint: "Event types have at least three segments: domain:entity:action (or domain.entity.action)." },
  // events
  ARK_EVENT_INVALID: { status: 400, hint: "Fix the event input named in details (entity_kind, entity_id, room_keys, payload, runtime); see details.issues for envelope schema errors." },
  ARK_EVENT_TOO_LARGE: { status: 413, hint: "Keep event payloads small (ids and status, not documents); raise events.maxEnvelopeBytes only if the size is really needed." },
  ARK_EVENT_NOT_IN_TRANSACTION: { status: 500, hint: "Emit events inside bus.transaction(async (tx, emit) => ...), with its `emit` or `bus.emit(tx, ...)` on its own `tx`, before the callback returns." },
  // store
  ARK_STORE_UNREACHABLE: { status: 503, hint: "Check that the database server is running and reachable, and that store.url / ARK_DATABASE_URL is right." },
  ARK_STORE_QUERY_FAILED: { status: 500, hint: "See the cause; the statement was rolled back." },
  ARK_STORE_CLOSED: { status: 500, hint: "The store was closed; this happens after the kernel stopped." },
  ARK_STORE_TRANSACTION_FINISHED: { status: 500, hint: "A transaction object was used after its transaction() callback returned; run the query inside the callback or on the store." },
  ARK_STORE_REENTRANT: { status: 500, hint: "Inside store.transaction(fn) use the `tx` argument, not the store: PGlite has one connection, so the store call would wait for the transaction forever." },
  ARK_STORE_DATA_DIR_IN_USE: { status: 503, hint: "Another ARK process uses this PGlite data dir; stop it (or its `ark` command) first, or point store.dataDir elsewhere." },
  ARK_STORE_TIMEOUT: { status: 503, hint: "The statement ran longer than store.statementTimeoutMs; raise it or fix the query." },
  ARK_MIGRATION_CHECKSUM_MISMATCH: { status: 500, hint: "An applied migration file was edited. Restore the file; put schema changes in a new, higher-numbered migration." },
  ARK_MIGRATION_FAILED: { status: 500, hint: "The migration was rolled back; fix its SQL and boot again." },
  ARK_MIGRATION_INVALID: { status: 500, hint: "Migration files are named NNNN_description.sql with unique numbers." },
  ARK_IDEMPOTENCY_INVALID: { status: 400, hint: "scope and key must be non-empty strings and ttl a positive number of seconds." },
  ARK_SETTINGS_INVALID: { status: 400, hint: "Fix each field listed in details.fields." },
  ARK_SECRET_KEY_MISSING: { status: 400, hint: "Set ARK_SECRET_KEY (for example: export ARK_SECRET_KEY=$(openssl rand -hex 32)) before storing secrets." },
  ARK_SECRET_DECRYPT_FAILED: { status: 500, hint: "The secret was encrypted under a different ARK_SECRET_KEY; restore the old key or store the secret again." },
  // flow graph
  ARK_FLOW_GRAPH_INVALID: { status: 400, hint: "Fix every problem listed in details.structuralErrors / details.semanticErrors (each names the node or connector)." },
  ARK_FLOW_FILE_INVALID: { status: 400, hint: "Fix every problem listed (each names file:line:col and the path); the flow file format is described by its JSON Schema (flowFileSchema)." },
  ARK_FLOW_NODE_TYPE_INVALID: { status: 500, hint: "A node type contribution declares capabilities ARK does not know or with the wrong type; see the message for the key." },
  ARK_FLOW_ROUTING_FAILED: { status: 400, hint: "The node's output does not select any valid outgoing connector (or its decision config is incomplete); fix the connectors' condition keys or the node's fallback_condition_key." },
  ARK_FLOW_STATE_INVALID: { status: 500, hint: "Stored fan-in state could not be restored; it was written by another version or edited by hand. See details." },
  // flow engine
  ARK_FLOW_SETTINGS_INVALID: { status: 400, hint: "Fix the flowchart settings listed in details.problems: max_node_executions 1..10000 or null, max_runtime_minutes >= 1 or null, max_parallel_nodes >= 1." },
  ARK_FLOW_CONTROL_INVALID: { status: 400, hint: "Use one of the actions in details.allowed, on a run whose status permits it (details.status); replays need a run that is no longer active." },
  ARK_FLOW_RUN_ACTIVE: { status: 409, hint: "The flowchart has runs that are still active; stop or cancel them first (details.activeRunIds)." },
  ARK_FLOW_WAIT_TIMEOUT: { status: 504, hint: "The run is still going; wait longer, or follow it through its events (details.status says where it is)." },
  // execution plane
  ARK_DISPATCHER_UNKNOWN: { status: 500, hint: "Enable the plugin that contributes this dispatcher, or change execution.dispatcher / execution.routes to a registered one (details.registered)." },
  // http api
  ARK_API_REGISTRATION_INVALID: { status: 500, hint: "Fix the route or health source named in the message: routes live under /api/, method+url are unique, schemas compile, and everything is added during a plugin's init (before the API listens)." },
  ARK_API_LISTEN_FAILED: { status: 500, hint: "Another process may use api.port, or api.host is not an address of this machine; change api.port / api.host (port 0 picks a free port)." },
  // realtime (Socket.IO /rt)
  ARK_RT_UNAUTHORIZED: { status: 401, hint: "Connect with the api token: io(url + \"/rt\", { auth: { token } }) (or an `Authorization: Bearer <token>` header)." },
  ARK_RT_ROOM_INVALID: { status: 400, hint: "Rooms are `kind:id` with kind one of flowchart, flowchart_run, flowchart_node, task, run, thread, download_job and a non-empty id (details.rejected lists each bad room)." },
  ARK_RT_REQUEST_INVALID: { status: 400, hint: "Send { rooms: [\"flowchart_run:42\"], after?: { \"<sequence_stream>\": <last sequence> } } (or { room: ... }); details say which field is wrong." },
  ARK_RT_REPLAY_TOO_LARGE: { status: 413, hint: "More events were missed than one replay sends (details.limit); page through GET /api/events?room=...&after_stream=...&after=N, then send rt.replay with the newer cursors." },
  ARK_RT_BACKLOG_EXCEEDED: { status: 503, hint: "The client read events too slowly and was disconnected; reconnect and send rt.replay with the last sequence per stream it has." },
  // generic
  ARK_INVALID_ARGUMENT: { status: 400, hint: "Check the arguments against the command's --help." },
  ARK_NOT_FOUND: { status: 404, hint: "Check the id." },
  ARK_INTERNAL: { status: 500, hint: "This is a bug in ARK; please report it with the log lines around it." },
} as const satisfies Record<string, { status: number; hint: string }>;

/** A stable ARK error code. */
export type ArkErrorCode = keyof typeof errorCatalogue;
