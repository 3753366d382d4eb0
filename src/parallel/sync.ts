// Waiting on the sync block. Waits are cut into slices so that a failure elsewhere (the ABORT
// flag) or a thread that never arrives ends the wait with an error instead of a hang.
import { SYNC } from "./protocol.js";

const SLICE_MS = 100;
/** A live thread that stops arriving (a deadlock, not a death) is given up on after this long. */
export const GIVE_UP_MS = 120_000;

export class AbortedError extends Error {}

export function abortedError(ints: Int32Array, what: string): AbortedError {
  return new AbortedError(`${what}: another thread failed (replica ${Atomics.load(ints, SYNC.FAILED)})`);
}

export function gaveUpError(what: string, arrived: number, target: number): Error {
  return new Error(`${what}: waited ${GIVE_UP_MS / 1000} s for the other threads (${arrived} of ${target} arrived)`);
}

/** Blocks until ints[slot] >= target. Throws if the ABORT flag is set or nothing moves for 2 min. */
export function waitAtLeast(ints: Int32Array, slot: number, target: number, what: string): void {
  if (!waitAtLeastFor(ints, slot, target, what, GIVE_UP_MS)) throw gaveUpError(what, Atomics.load(ints, slot), target);
}

/**
 * Blocks until ints[slot] >= target (true), or until nothing has arrived for `stallMs` (false).
 * Throws if the ABORT flag is set.
 */
export function waitAtLeastFor(ints: Int32Array, slot: number, target: number, what: string, stallMs: number): boolean {
  let last = Atomics.load(ints, slot);
  let idle = 0;
  while (last < target) {
    if (Atomics.load(ints, SYNC.ABORT)) throw abortedError(ints, what);
    const r = Atomics.wait(ints, slot, last, SLICE_MS);
    const now = Atomics.load(ints, slot);
    if (r === "timed-out" && now === last) {
      idle += SLICE_MS;
      if (idle >= stallMs) return false;
    } else idle = 0;
    last = now;
  }
  return true;
}

/** Adds one to ints[slot] and wakes whoever waits on it. */
export function arrive(ints: Int32Array, slot: number): number {
  const n = Atomics.add(ints, slot, 1) + 1;
  Atomics.notify(ints, slot);
  return n;
}

/** Marks the step as failed so every waiting thread gives up. */
export function abort(ints: Int32Array, replica: number): void {
  if (Atomics.compareExchange(ints, SYNC.ABORT, 0, 1) === 0) Atomics.store(ints, SYNC.FAILED, replica);
  for (const slot of [SYNC.ARRIVED, SYNC.DONE, SYNC.BROADCAST]) Atomics.notify(ints, slot);
}
