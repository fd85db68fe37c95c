-- Retention pruning on every artifact write looked at the node's whole history: the ttl prune (the default mode)
-- filtered expires_at row by row through ark_flow_node_artifacts_history, so a node that runs often had every
-- artifact of the last hour (the default ttl) read on each of its writes. With this index the ttl prune reads only the
-- node's expired artifacts; the max_count prune reads the newest `keep` and what lies beyond them, which it deletes.
CREATE INDEX ark_flow_node_artifacts_node_expiry
  ON ark_flow_node_artifacts (flowchart_id, node_id, artifact_type, expires_at)
  WHERE expires_at IS NOT NULL;
