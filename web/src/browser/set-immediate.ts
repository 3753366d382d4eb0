// The training loop (src/train/trainer.ts) yields to the event loop every ~100 ms with Node's
// setImmediate, so progress can be posted and messages handled mid-level. Browsers have no
// setImmediate. A MessageChannel message is the closest equivalent: a fresh task, run right after
// pending ones, without setTimeout(0)'s 4 ms clamp (which applies once timers nest five deep).
type Callback = (...args: unknown[]) => void;

export function installSetImmediate(): void {
  const scope = globalThis as { setImmediate?: unknown };
  if (typeof scope.setImmediate === "function") return;
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => queue.shift()?.();
  scope.setImmediate = (callback: Callback, ...args: unknown[]) => {
    queue.push(() => callback(...args));
    channel.port2.postMessage(null);
  };
}
