import { describe, expect, it } from "vitest";
import { RoomMembership } from "./room-membership.js";

describe("room membership", () => {
  it("a failed request leaves the rooms no other request holds", () => {
    const rooms = new RoomMembership();
    rooms.begin(["a", "b"]);
    expect(rooms.fail(["a", "b"])).toEqual(["a", "b"]);
  });

  it("keeps a room another request confirmed while the failed one ran (the replay-failure race)", () => {
    const rooms = new RoomMembership();
    rooms.begin(["r", "big"]);
    rooms.joined(["r"]);
    expect(rooms.fail(["r", "big"])).toEqual(["big"]);
  });

  it("keeps a room another request is still joining, and leaves it when that one fails too", () => {
    const rooms = new RoomMembership();
    rooms.begin(["r"]);
    rooms.begin(["r"]);
    expect(rooms.fail(["r"])).toEqual([]);
    expect(rooms.fail(["r"])).toEqual(["r"]);
  });

  it("keeps rooms joined before, and forgets rooms the client left", () => {
    const rooms = new RoomMembership();
    rooms.begin(["r"]);
    rooms.succeed(["r"]);
    rooms.begin(["r"]);
    expect(rooms.fail(["r"])).toEqual([]);
    rooms.left(["r"]);
    rooms.begin(["r"]);
    expect(rooms.fail(["r"])).toEqual(["r"]);
  });
});
