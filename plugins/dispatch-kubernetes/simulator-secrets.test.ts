// The Kubernetes API simulator's Secrets, over its real REST paths (no kernel): base64 `data` and `stringData` as
// the API server takes them, `secretKeyRef` env resolved from the stored Secret when the pod starts (missing →
// CreateContainerConfigError until it exists), and garbage collection through ownerReferences.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startK8sSimulator, type K8sSimulator } from "../../test/fixtures/k8s-simulator/index.js";
import { until } from "./test-support.js";

let sim: K8sSimulator;
beforeAll(async () => {
  sim = await startK8sSimulator({
    namespaces: ["ns1"],
    images: { "env-echo": { command: [process.execPath, "-e", "console.log('TOKEN=' + process.env.TOKEN)"] } },
    secrets: { preset: { key: "preset-value" } },
  });
});
afterAll(async () => sim?.close());

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${sim.url}${path}`, {
    method, headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

const SECRETS = "/api/v1/namespaces/ns1/secrets";
const secret = (name: string, extra: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, ...extra });
const job = (name: string, secretName: string) => ({
  apiVersion: "batch/v1", kind: "Job", metadata: { name },
  spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "env-echo", env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: secretName, key: "token" } } }] }] } } },
});
const podOf = (jobName: string) => sim.list("pods", "ns1").find((p) => p.metadata.labels?.["job-name"] === jobName);

describe("simulator secrets", () => {
  it("stores data as base64, folds stringData into data, answers get and delete; rejects bad base64 and keys", async () => {
    const created = await api("POST", SECRETS, secret("s1", { data: { a: Buffer.from("alpha").toString("base64") }, stringData: { b: "beta" } }));
    expect(created.status).toBe(201);
    expect(created.json).not.toHaveProperty("stringData");
    const read = await api("GET", `${SECRETS}/s1`);
    expect(read.json).toMatchObject({ kind: "Secret", type: "Opaque", data: { a: Buffer.from("alpha").toString("base64"), b: Buffer.from("beta").toString("base64") }, metadata: { uid: expect.any(String) } });
    expect((await api("POST", SECRETS, secret("s1", { stringData: { a: "x" } }))).status).toBe(409);
    expect((await api("POST", SECRETS, secret("s2", { data: { a: "not base64!" } }))).json).toMatchObject({ code: 400, reason: "BadRequest" });
    expect((await api("POST", SECRETS, secret("s3", { stringData: { "bad key": "x" } }))).json).toMatchObject({ code: 422, reason: "Invalid" });
    expect((await api("POST", SECRETS, secret("Bad_Name", { stringData: { a: "x" } }))).status).toBe(422);
    expect((await api("DELETE", `${SECRETS}/s1`)).status).toBe(200);
    expect((await api("GET", `${SECRETS}/s1`)).json).toMatchObject({ code: 404, message: 'secrets "s1" not found' });
    expect((await api("GET", `${SECRETS}/preset`)).json.data).toEqual({ key: Buffer.from("preset-value").toString("base64") });
  });

  it("a pod waits in CreateContainerConfigError until its Secret exists, then gets the decoded value in its env", async () => {
    expect((await api("POST", "/apis/batch/v1/namespaces/ns1/jobs", job("j1", "late"))).status).toBe(201);
    await until(() => podOf("j1")?.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError");
    expect(podOf("j1")!.status.containerStatuses[0].state.waiting.message).toBe('secret "late" not found or has no key "token"');
    await api("POST", SECRETS, secret("late", { stringData: { token: "tok-123" } }));
    await until(() => sim.podLog(podOf("j1")!.metadata.name, "ns1").includes("TOKEN="));
    expect(sim.podLog(podOf("j1")!.metadata.name, "ns1").trim()).toBe("TOKEN=tok-123");
  });

  it("collects a Secret owned by a deleted Job (Background), keeps it on Orphan, and collects one whose owner never existed", async () => {
    const owned = async (jobName: string, secretName: string) => {
      const created = await api("POST", "/apis/batch/v1/namespaces/ns1/jobs", job(jobName, secretName));
      const owner = { apiVersion: "batch/v1", kind: "Job", name: jobName, uid: created.json.metadata.uid, controller: false, blockOwnerDeletion: true };
      await api("POST", SECRETS, { ...secret(secretName, { stringData: { token: "t" } }), metadata: { name: secretName, ownerReferences: [owner] } });
    };
    await owned("j2", "j2-token");
    await api("DELETE", "/apis/batch/v1/namespaces/ns1/jobs/j2?propagationPolicy=Background");
    expect(sim.list("secrets", "ns1").map((s) => s.metadata.name)).not.toContain("j2-token");
    expect(sim.events).toContainEqual({ type: "secret-collected", name: "j2-token" });
    await owned("j3", "j3-token");
    await api("DELETE", "/apis/batch/v1/namespaces/ns1/jobs/j3?propagationPolicy=Orphan");
    expect(sim.list("secrets", "ns1").find((s) => s.metadata.name === "j3-token")?.metadata.ownerReferences).toEqual([]);
    const ghost = { apiVersion: "batch/v1", kind: "Job", name: "gone", uid: "00000000-0000-4000-8000-000000000000" };
    await api("POST", SECRETS, { ...secret("orphan", { stringData: { token: "t" } }), metadata: { name: "orphan", ownerReferences: [ghost] } });
    await until(() => !sim.list("secrets", "ns1").some((s) => s.metadata.name === "orphan"));
  });
});
