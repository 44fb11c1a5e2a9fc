#!/bin/sh
# showmail.sh FILE.eml - print a message's headers and its text part decoded.
exec /usr/bin/python3 - "$1" <<'PY'
import sys, email, email.policy
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted"):
    if msg[h] is not None:
        print("%s: %s" % (h, msg[h]))
print()
part = msg.get_body(preferencelist=("plain",))
print(part.get_content() if part is not None else "(no text part)")
PY
