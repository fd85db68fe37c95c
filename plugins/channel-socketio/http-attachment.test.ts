import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { describe, expect, it } from "vitest";
import { attachRestorably } from "./http-attachment.js";

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject).end();
  });
}

describe("attachRestorably", () => {
  it("lets Socket.IO share a server, then hands the server back with its own listeners only, leaving it open", async () => {
    const server = createServer((_req, res) => res.end("app"));
    const original = server.listeners("request");
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const io = new Server({ serveClient: false });
      const detach = attachRestorably(server, (s) => io.attach(s));
      expect((await get(port, "/socket.io/?EIO=4&transport=polling")).body).toMatch(/"sid"/);
      expect((await get(port, "/other")).body).toBe("app");
      io.engine.close();
      detach();
      detach();
      expect(server.listeners("request")).toEqual(original);
      expect(server.listeners("upgrade")).toEqual([]);
      expect(server.listening).toBe(true);
      expect(await get(port, "/socket.io/?EIO=4&transport=polling")).toEqual({ status: 200, body: "app" });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
