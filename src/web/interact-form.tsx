// "Follow", "Reply", "Boost", "Like" for a visitor from any server: they give their handle, the
// Worker looks up their server's interaction templates and sends them there (POST /interact,
// interaction.tsx). A plain form: it works without JavaScript.
import type { Intent } from "../domain/remote-interaction.ts";

const LABEL: Record<Intent, string> = { follow: "Follow", reply: "Reply", boost: "Boost", like: "Like" };

export function InteractForm(props: { intents: Intent[]; object: string }) {
  const id = `interact-${props.intents[0]}`;
  return (
    <form class="interact" method="post" action="/interact">
      <input type="hidden" name="object" value={props.object} />
      <label for={id}>Your handle</label>
      <input id={id} name="handle" type="text" required placeholder="@you@your.server" autocomplete="username" inputmode="email" spellcheck={false} />
      {props.intents.map((intent) => (
        <button type="submit" name="intent" value={intent}>
          {LABEL[intent]}
        </button>
      ))}
    </form>
  );
}
