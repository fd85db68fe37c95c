/** Freezes `value` and everything reachable from it (objects and arrays); returns the same reference. */
export function deepFreeze<T>(value: T): T {
  freezeReachable(value, new WeakSet());
  return value;
}

function freezeReachable(value: unknown, seen: WeakSet<object>): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  // Typed arrays with elements cannot be frozen; config never holds them, but a caller's value might.
  if (ArrayBuffer.isView(value)) return;
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && "value" in descriptor) freezeReachable(descriptor.value, seen);
  }
  Object.freeze(value);
}
