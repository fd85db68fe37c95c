/**
 * A Socket.IO client of `/rt` watching one run, the way a UI does: it subscribes to the run's room and, on every
 * (re)connect, asks for replay after the last sequence it has of the run's stream; on `rt.resync` it sends `rt.replay`
 * with the same cursor. It records every event it receives, in arrival order, without deduplicating — so a test can
 * assert that the server sent each event exactly once.
 */
import { io, type Socket } from "socket.io-client";
import type { EventEnvelope } from "../../../core/plugin-api/index.js";

/** An acknowledged subscribe or replay request. */
export interface WatcherAck {
  readonly request: "rt.subscribe" | "rt.replay";
  readonly after: number;
  readonly answer: any;
}

/** A reconnecting `/rt` client subscribed to `flowchart_run:{runId}`. */
export class RunWatcher {
  readonly received: EventEnvelope[] = [];
  readonly acks: WatcherAck[] = [];
  readonly notices: { event: string; payload: any }[] = [];
  /** How many times the client connected (1 + reconnects). */
  connects = 0;
  private readonly ackWaiters: (() => void)[] = [];

  private constructor(
    readonly socket: Socket,
    readonly stream: string,
  ) {
    socket.onAny((event: string, payload: any) => {
      if (event.includes(":")) this.received.push(payload as EventEnvelope);
      else this.notices.push({ event, payload });
    });
    socket.on("rt.connected", () => {
      this.connects += 1;
      void this.request("rt.subscribe");
    });
    socket.on("rt.resync", () => void this.request("rt.replay"));
  }

  /**
   * Connects to `baseUrl` and resolves once the first subscription is acknowledged. Reconnection is on (every
   * 100–250 ms, forever) unless `holdOffline()` turns it off.
   */
  static async open(baseUrl: string, runId: string): Promise<RunWatcher> {
    const socket = io(`${baseUrl}/rt`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 250,
      randomizationFactor: 0,
    });
    const watcher = new RunWatcher(socket, `flowchart_run:${runId}`);
    await watcher.nextAck();
    return watcher;
  }

  /** The last sequence of the run's stream this client has (0 before the first event). */
  cursor(): number {
    let last = 0;
    for (const event of this.received) if (event.sequence_stream === this.stream) last = Math.max(last, event.sequence);
    return last;
  }

  /** Sequences of the run's stream, in arrival order. */
  sequences(): number[] {
    return this.received.filter((e) => e.sequence_stream === this.stream).map((e) => e.sequence);
  }

  /** Whether a `flowchart:node:updated` event reported `nodeId` with `status`. */
  sawNode(nodeId: string, status: string): boolean {
    return this.received.some((e) => e.event_type === "flowchart:node:updated" && e.payload.flowchart_node_id === nodeId && e.payload.status === status);
  }

  /** Resolves on the next acknowledged subscribe / replay. */
  nextAck(): Promise<void> {
    return new Promise((resolve) => this.ackWaiters.push(resolve));
  }

  /** Stops reconnecting: after the server goes away the client stays offline until `reconnect()`. */
  holdOffline(): void {
    this.socket.io.reconnection(false);
  }

  /** Turns reconnection back on, connects, and resolves once the resubscription is acknowledged. */
  async reconnect(): Promise<void> {
    this.socket.io.reconnection(true);
    const acked = this.nextAck();
    this.socket.connect();
    await acked;
  }

  close(): void {
    this.socket.close();
  }

  private async request(request: WatcherAck["request"]): Promise<void> {
    const after = this.cursor();
    let answer: any;
    try {
      answer = await this.socket.timeout(15_000).emitWithAck(request, { rooms: [this.stream], after: { [this.stream]: after } });
    } catch (err) {
      answer = { ok: false, error: { code: "CLIENT_TIMEOUT", message: String(err) } };
    }
    this.acks.push({ request, after, answer });
    for (const resolve of this.ackWaiters.splice(0)) resolve();
  }
}
