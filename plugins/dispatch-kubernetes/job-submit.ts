/**
 * Submitting a node run: the Job first, then its payload ConfigMap and (with tools) its tool-host token Secret, each
 * with an ownerReference to the Job's uid. The pod waits (ContainerCreating, CreateContainerConfigError) until both
 * exist, so it can never start without its payload or token, and neither can outlive its Job. A Job that already
 * exists with the same payload fingerprint is the same node run dispatched again: it is adopted (no second Job); one
 * with another payload is a conflict.
 */
import { ArkError, isArkError } from "../../core/plugin-api/index.js";
import type { KubeApi } from "./kube-api.js";
import { buildJobManifest, buildPayloadConfigMap, buildToolHostSecret, PAYLOAD_FILE_NAME, type ManifestInput } from "./k8s-manifests.js";

/** The annotation carrying the payload's sha256. */
export const PAYLOAD_SHA_ANNOTATION = "ark/payload-sha256";

/** The submitted Job. */
export interface Submission {
  readonly uid: string;
  readonly adopted: boolean;
}

async function adoptExisting(api: KubeApi, input: ManifestInput, signal: AbortSignal): Promise<Submission> {
  const existing = await api.readJob(input.params.namespace, input.jobName, signal);
  const fingerprint = existing.metadata?.annotations?.[PAYLOAD_SHA_ANNOTATION];
  if (fingerprint !== input.annotations[PAYLOAD_SHA_ANNOTATION] || !existing.metadata?.uid) {
    throw new ArkError("ARK_K8S_CONFLICT", `Job ${input.jobName} already exists with a different payload; refusing to reuse it.`, {
      details: { job: input.jobName, namespace: input.params.namespace, existingFingerprint: fingerprint ?? null },
    });
  }
  return { uid: existing.metadata.uid, adopted: true };
}

async function ensureConfigMap(api: KubeApi, input: ManifestInput, uid: string, signal: AbortSignal): Promise<void> {
  try {
    await api.createConfigMap(input.params.namespace, buildPayloadConfigMap(input, { name: input.jobName, uid }), signal);
  } catch (err) {
    if (!isArkError(err, "ARK_K8S_CONFLICT")) throw err;
    const existing = await api.readConfigMap(input.params.namespace, input.configMapName, signal);
    if (existing.data?.[PAYLOAD_FILE_NAME] !== input.payloadJson) {
      throw new ArkError("ARK_K8S_CONFLICT", `ConfigMap ${input.configMapName} already exists with another payload.`, { details: { configMap: input.configMapName }, cause: err });
    }
  }
}

/**
 * The token Secret. One that exists already has this node run attempt's deterministic name: it was created by an
 * earlier dispatch of the same attempt (the adopted Job's pod uses its token, minted for the same scope), so it is
 * kept as it is. Reading it back would need `get secrets`, which ARK does not ask for.
 */
async function ensureToolHostSecret(api: KubeApi, input: ManifestInput, uid: string, token: string, signal: AbortSignal): Promise<void> {
  try {
    await api.createSecret(input.params.namespace, buildToolHostSecret(input, { name: input.jobName, uid }, token), signal);
  } catch (err) {
    if (!isArkError(err, "ARK_K8S_CONFLICT")) throw err;
  }
}

/**
 * Creates (or adopts) the Job, then the ConfigMap and the token Secret (when `toolHostToken` is given and the input
 * names a tool host). `onJobCreated` runs as soon as the Job exists (dispatch_submitted). When either cannot be
 * created, a Job this call created is deleted again (grace 0: its pod never started).
 */
export async function submitNodeRun(api: KubeApi, input: ManifestInput, signal: AbortSignal, onJobCreated: (adopted: boolean) => void, toolHostToken: string | null = null): Promise<Submission> {
  let submission: Submission;
  try {
    const job = await api.createJob(input.params.namespace, buildJobManifest(input), signal);
    submission = { uid: job.metadata?.uid ?? "", adopted: false };
  } catch (err) {
    if (!isArkError(err, "ARK_K8S_CONFLICT")) throw err;
    submission = await adoptExisting(api, input, signal);
  }
  onJobCreated(submission.adopted);
  try {
    await ensureConfigMap(api, input, submission.uid, signal);
    if (input.toolHost && toolHostToken) await ensureToolHostSecret(api, input, submission.uid, toolHostToken, signal);
  } catch (err) {
    if (!submission.adopted) await api.deleteJob(input.params.namespace, input.jobName, 0).catch(() => undefined);
    throw err;
  }
  return submission;
}
