// --queue addresses: what is accepted, and the one-line errors for a wrong one or an unreachable server.
import test from "ava";
import { checkReachable, parseQueueUrl } from "../../src/queue/connection.js";

test("--queue takes redis://[user:password@]HOST[:PORT][/DB] and names what is wrong otherwise", (t) => {
  t.like(parseQueueUrl("redis://127.0.0.1:6380"), { host: "127.0.0.1", port: 6380, db: 0 });
  t.like(parseQueueUrl("redis://:s%40cret@queue-host/2"), { host: "queue-host", port: 6379, db: 2, password: "s@cret" });
  t.throws(() => parseQueueUrl("127.0.0.1 6379"), { message: /^invalid --queue "127.0.0.1 6379": use redis:\/\/HOST:PORT/ });
  t.throws(() => parseQueueUrl("queue-host:6379"), { message: /^invalid --queue "queue-host:6379": the scheme must be redis:\/\// });
  t.throws(() => parseQueueUrl("http://queue-host:6379"), { message: /the scheme must be redis:\/\// });
  t.throws(() => parseQueueUrl("redis://queue-host:6379/abc"), { message: /the path must be a database number/ });
});

test("an unreachable Redis is one clear error, not endless reconnecting", async (t) => {
  // Port 9 (discard) is refused on 127.0.0.1.
  await t.throwsAsync(checkReachable("redis://127.0.0.1:9", parseQueueUrl("redis://127.0.0.1:9")), {
    message: /^cannot reach the queue's Redis at redis:\/\/127\.0\.0\.1:9 \(.*ECONNREFUSED.*\): start redis-server there, or fix --queue$/,
  });
});
