/**
 * The `kubernetes` preflight check `ark doctor` runs: API reachable, namespace exists, and a SelfSubjectAccessReview
 * for every permission a dispatch uses. One verdict per line, each failure with the fix.
 */
import { errorMessage, isArkError, type PreflightCheckResult } from "../../core/plugin-api/index.js";
import type { AccessQuestion, KubeApi } from "./kube-api.js";

/** The permissions a dispatch needs, grouped as the RBAC rule that grants them. */
export const REQUIRED_PERMISSIONS: readonly { readonly label: string; readonly group: string; readonly resource: string; readonly subresource?: string; readonly verbs: readonly string[] }[] = [
  { label: "jobs.batch", group: "batch", resource: "jobs", verbs: ["create", "get", "list", "delete"] },
  { label: "pods", group: "", resource: "pods", verbs: ["get", "list"] },
  { label: "pods/log", group: "", resource: "pods", subresource: "log", verbs: ["get"] },
  { label: "configmaps", group: "", resource: "configmaps", verbs: ["create", "delete"] },
  { label: "secrets", group: "", resource: "secrets", verbs: ["create"] },
];

function rbacHint(namespace: string, p: (typeof REQUIRED_PERMISSIONS)[number], verbs: readonly string[]): string {
  const resource = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  return `Grant ARK's service account, in namespace ${namespace}, a Role rule { apiGroups: ["${p.group}"], resources: ["${resource}"], verbs: [${verbs.map((v) => `"${v}"`).join(", ")}] } and bind it (see deploy/kubernetes).`;
}

async function permissionVerdict(api: KubeApi, namespace: string, p: (typeof REQUIRED_PERMISSIONS)[number], signal: AbortSignal): Promise<PreflightCheckResult> {
  const denied: string[] = [];
  for (const verb of p.verbs) {
    const question: AccessQuestion = { verb, resource: p.resource, group: p.group, ...(p.subresource ? { subresource: p.subresource } : {}) };
    if (!(await api.mayI(namespace, question, signal)).allowed) denied.push(verb);
  }
  if (denied.length === 0) return { status: "ok", detail: `kubernetes permission ${p.label}: ${p.verbs.join(", ")} allowed in ${namespace}` };
  return { status: "fail", detail: `kubernetes permission ${p.label}: ${denied.join(", ")} denied in ${namespace}`, hint: rbacHint(namespace, p, denied) };
}

/** Runs every check against one cluster and namespace. */
export async function runKubernetesPreflight(api: KubeApi, namespace: string, signal: AbortSignal): Promise<PreflightCheckResult[]> {
  try {
    const version = await api.serverVersion(signal);
    const results: PreflightCheckResult[] = [{ status: "ok", detail: `kubernetes API reachable: ${api.server} (${version})` }];
    return [...results, ...(await namespaceAndPermissions(api, namespace, signal))];
  } catch (err) {
    const skipped = REQUIRED_PERMISSIONS.map((p): PreflightCheckResult => ({ status: "fail", detail: `kubernetes permission ${p.label}: not checked (API unreachable)` }));
    return [
      { status: "fail", detail: `kubernetes API reachable: no — ${errorMessage(err)}`, hint: isArkError(err) ? err.hint : "Check the kubeconfig's server address and the network." },
      { status: "fail", detail: `kubernetes namespace ${namespace}: not checked (API unreachable)` },
      ...skipped,
    ];
  }
}

async function namespaceAndPermissions(api: KubeApi, namespace: string, signal: AbortSignal): Promise<PreflightCheckResult[]> {
  const results: PreflightCheckResult[] = [];
  try {
    await api.readNamespace(namespace, signal);
    results.push({ status: "ok", detail: `kubernetes namespace ${namespace} exists` });
  } catch (err) {
    const missing = isArkError(err, "ARK_K8S_NOT_FOUND");
    results.push({
      status: "fail", detail: `kubernetes namespace ${namespace}: ${missing ? "does not exist" : errorMessage(err)}`,
      hint: missing ? `Create it (kubectl create namespace ${namespace}) or set k8s_namespace to an existing namespace.` : isArkError(err) ? err.hint : "See the message.",
    });
  }
  for (const p of REQUIRED_PERMISSIONS) {
    try {
      results.push(await permissionVerdict(api, namespace, p, signal));
    } catch (err) {
      results.push({ status: "fail", detail: `kubernetes permission ${p.label}: access review failed — ${errorMessage(err)}`, hint: "ARK's identity needs to create selfsubjectaccessreviews (authorization.k8s.io), which every authenticated user may by default." });
    }
  }
  return results;
}
