/**
 * Submitting a node run: the Job first, then its payload ConfigMap with an ownerReference to the Job's uid. The pod
 * waits (ContainerCreating) until the ConfigMap exists, so it can never start without its payload, and the ConfigMap
 * can never outlive its Job. A Job that already exists with the same payload fingerprint is the same node run
 * dispatched again: it is adopted (no second Job); one with another payload is a conflict.
 */
import { ArkError, isArkError } from "../../core/plugin-api/index.js";
import type { KubeApi } from "./kube-api.js";
import { buildJobManifest, buildPayloadConfigMap, PAYLOAD_FILE_NAME, type ManifestInput } from "./k8s-manifests.js";

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
 * Creates (or adopts) the Job, then the ConfigMap. `onJobCreated` runs as soon as the Job exists (dispatch_submitted).
 * When the ConfigMap cannot be created, a Job this call created is deleted again (grace 0: its pod never started).
 */
export async function submitNodeRun(api: KubeApi, input: ManifestInput, signal: AbortSignal, onJobCreated: (adopted: boolean) => void): Promise<Submission> {
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
  } catch (err) {
    if (!submission.adopted) await api.deleteJob(input.params.namespace, input.jobName, 0).catch(() => undefined);
    throw err;
  }
  return submission;
}
