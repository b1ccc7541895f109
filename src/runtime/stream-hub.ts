// The owner's stream hub Durable Object (one, named "owner"): wiring for StreamHubCore
// (src/api/streaming/hub.ts), services per call. Sockets are accepted with ctx.acceptWebSocket,
// so the object hibernates between events and an open, idle socket is not billed.
import { DurableObject } from "cloudflare:workers";
import { StreamHubCore } from "../api/streaming/hub.ts";
import { metered } from "../delivery/metering.ts";
import type { StreamEvent, StreamHubApi } from "../delivery/stream.ts";
import { createServices, type ServiceBindings } from "./services.ts";

export class StreamHub extends DurableObject<ServiceBindings> implements StreamHubApi {
  private readonly hub: StreamHubCore;

  constructor(ctx: DurableObjectState, env: ServiceBindings) {
    super(ctx, env);
    this.hub = new StreamHubCore(ctx);
  }

  override fetch(request: Request): Promise<Response> {
    return metered(createServices(this.env), (s) => this.hub.open(s, request));
  }

  publish(event: StreamEvent): Promise<number> {
    return metered(createServices(this.env), (s) => this.hub.publish(s, event));
  }

  closeTokens(tokenIds: number[]): Promise<void> {
    return metered(createServices(this.env), (s) => this.hub.closeTokens(s, tokenIds));
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return metered(createServices(this.env), (s) => this.hub.message(s, ws, message));
  }

  override webSocketClose(ws: WebSocket): Promise<void> {
    return metered(createServices(this.env), (s) => this.hub.closed(s, ws));
  }

  override webSocketError(ws: WebSocket): Promise<void> {
    return metered(createServices(this.env), (s) => this.hub.closed(s, ws));
  }
}
