import type { Env as RoostEnv } from "../src/runtime/bindings.ts";

declare global {
  namespace Cloudflare {
    interface Env extends RoostEnv {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
    interface GlobalProps {
      mainModule: typeof import("../src/index.ts");
      durableNamespaces: "DeliveryHost" | "FanoutSender" | "PostScheduler" | "StreamHub";
    }
  }
}
