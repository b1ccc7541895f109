// The real Worker with its D1 binding wrapped to count statements and the rows they return, for
// bench/home.mjs: every answer carries X-D1-Statements and X-D1-Rows.
import worker from "../src/index.ts";

export { DeliveryHost, FanoutSender, PostScheduler, StreamHub } from "../src/index.ts";

type Counter = { statements: number; rows: number };

function counted<T extends object>(statement: T, counter: Counter): T {
  return new Proxy(statement, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "bind") return (...args: unknown[]) => counted(value.apply(target, args), counter);
      if (["all", "raw", "first", "run"].includes(String(prop))) {
        return async (...args: unknown[]) => {
          counter.statements++;
          const result = await value.apply(target, args);
          const rows = Array.isArray(result) ? result.length : Array.isArray(result?.results) ? result.results.length : result ? 1 : 0;
          counter.rows += rows;
          return result;
        };
      }
      return value.bind(target);
    },
  });
}

function countingD1(db: D1Database, counter: Counter): D1Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "prepare") return (sql: string) => counted(target.prepare(sql), counter);
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          counter.statements += statements.length;
          const results = await target.batch(statements);
          for (const r of results) counter.rows += r.results?.length ?? 0;
          return results;
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request: Request, env: Record<string, unknown> & { DB: D1Database }, ctx: ExecutionContext) {
    const counter: Counter = { statements: 0, rows: 0 };
    const started = performance.now();
    const response = await worker.fetch!(request as never, { ...env, DB: countingD1(env.DB, counter) } as never, ctx);
    const answer = new Response(response.body, response);
    answer.headers.set("X-D1-Statements", String(counter.statements));
    answer.headers.set("X-D1-Rows", String(counter.rows));
    answer.headers.set("X-Worker-Ms", String(performance.now() - started));
    return answer;
  },
};
