"""A Mastodon.py session against Roost: app registration, sign-in (the owner's approval is done by
approve.mjs, whose code arrives on stdin), then what a script does every day. Exits non-zero on the
first thing that does not hold. Debian's python3-mastodon, run with /usr/bin/python3."""
import json
import subprocess
import sys
import threading

from mastodon import Mastodon, StreamListener

base = sys.argv[1]


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


client_id, client_secret = Mastodon.create_app("Mastodon.py session", api_base_url=base, scopes=["read", "write", "follow"])
# The default version check reads /api/v1/instance: a 4.x version is what lets every method through.
anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
url = anonymous.auth_request_url(scopes=["read", "write", "follow"])
code = subprocess.run(["node", sys.argv[2], base, url], check=True, capture_output=True, text=True).stdout.strip()
anonymous.log_in(code=code, scopes=["read", "write", "follow"])
api = anonymous

me = api.account_verify_credentials()
check(me["username"] == "me" and str(me["id"]) == "1", "verify_credentials is the owner")
instance = api.instance()
check(instance["version"].startswith("4."), "instance version is 4.x compatible")

status = api.status_post("from Mastodon.py", spoiler_text="cw", visibility="unlisted", idempotency_key="py-1")
again = api.status_post("from Mastodon.py", spoiler_text="cw", visibility="unlisted", idempotency_key="py-1")
check(status["id"] == again["id"], "Idempotency-Key posts once")
check(status["spoiler_text"] == "cw" and status["visibility"] == "unlisted", "content warning and visibility kept")
reply = api.status_reply(status, "a reply from Mastodon.py")
check(reply["in_reply_to_id"] == status["id"], "reply points at its parent")
edited = api.status_update(reply["id"], "an edited reply from Mastodon.py")
check(edited["edited_at"] is not None, "edit sets edited_at")
check(len(api.status_history(reply["id"])) >= 1, "history lists the current version")
context = api.status_context(reply["id"])
check([s["id"] for s in context["ancestors"]] == [status["id"]], "context has the parent")
check(api.status_favourite(status["id"])["favourited"], "favourite")
check(api.status_reblog(status["id"])["reblog"]["id"] == status["id"], "reblog wraps the original")
check(api.status_bookmark(status["id"])["bookmarked"], "bookmark")
home = api.timeline_home(limit=5)
check(any(s["id"] == status["id"] or (s["reblog"] and s["reblog"]["id"] == status["id"]) for s in home), "home shows the post")
page2 = api.fetch_next(home)
check(page2 is None or isinstance(page2, list), "the next page follows the Link header")
check(isinstance(api.notifications(types=["mention", "not_a_type"]), list), "notifications with an unknown type")
# Media: a v2 upload (url null while the preview is made) with alt text and focus, read back
# with media() until processed, then attached to a post.
import time
with open(sys.argv[3], "rb") as f:
    photo = api.media_post(f.read(), mime_type="image/png", description="a gradient", focus=(0.5, -0.25))
deadline = time.time() + 20
while photo["url"] is None and time.time() < deadline:
    time.sleep(0.2)
    photo = api.media(photo["id"])
check(photo["url"] is not None and photo["type"] == "image", "media_post (v2) is processed and has a url")
check(photo["description"] == "a gradient" and photo["meta"]["focus"] == {"x": 0.5, "y": -0.25}, "media_post keeps description and focus")
with_photo = api.status_post("a photo from Mastodon.py", media_ids=[photo])
check([m["id"] for m in with_photo["media_attachments"]] == [photo["id"]], "status_post attaches the upload")
# Mastodon.py sends a poll as JSON; make_poll's expires_in is seconds.
poll = api.status_post("tabs or spaces?", poll=api.make_poll(["tabs", "spaces"], expires_in=600, multiple=True))["poll"]
check([o["title"] for o in poll["options"]] == ["tabs", "spaces"] and poll["multiple"], "a poll with the post")
check(api.poll(poll["id"])["id"] == poll["id"], "the poll by its id")
deleted = api.status_delete(reply["id"])
check(deleted["text"] == "an edited reply from Mastodon.py", "delete returns the text to redraft")


class Updates(StreamListener):
    """Collects the statuses stream_user sends (server-sent events on /api/v1/streaming/user)."""

    def __init__(self):
        self.statuses = []
        self.arrived = threading.Event()

    def on_update(self, status):
        self.statuses.append(status)
        self.arrived.set()


listener = Updates()
stream = api.stream_user(listener, run_async=True)
# The stream is subscribed once the hub has it: post until an update comes through.
posted = []
for i in range(10):
    posted.append(api.status_post(f"streamed to Mastodon.py {i}", visibility="unlisted"))
    if listener.arrived.wait(1):
        break
stream.close()
check(any(str(s["id"]) in [str(p["id"]) for p in posted] for s in listener.statuses), "stream_user receives an update")
print(json.dumps({"session": "Mastodon.py", "ok": True}))
