// Test doubles for the seams in src/services.ts.
import type { OutgoingActivity, Outbox, SendOptions } from "../src/delivery/outbox.ts";

/** An Outbox that keeps what it was asked to send, in order, and sends nothing. */
export function recordingOutbox(): Outbox & { sent: { activity: OutgoingActivity; options: SendOptions }[] } {
  const sent: { activity: OutgoingActivity; options: SendOptions }[] = [];
  return {
    sent,
    async send(activity, options) {
      sent.push({ activity, options });
    },
  };
}
