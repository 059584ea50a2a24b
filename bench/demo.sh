#!/usr/bin/env bash
# `make demo`: a whole support workflow on the zero-config defaults, with the daemon running,
# in a throwaway home (.demo/) so it never touches your real store.
set -euo pipefail
cd "$(dirname "$0")/.."
SUPPORT=${SUPPORT:-.venv/bin/support}
PY=.venv/bin/python
DEMO=$PWD/.demo
rm -rf "$DEMO"
mkdir -p "$DEMO"
export XDG_DATA_HOME=$DEMO/data XDG_CONFIG_HOME=$DEMO/config NO_COLOR=1
unset SUPPORT_CONFIG SUPPORT_DB SUPPORT_AS SUPPORT_GUEST_SESSION
OUTBOX=$XDG_DATA_HOME/support/outbox

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ support %s\n' "$*"; "$SUPPORT" "$@"; }
settle() { sleep 1; }  # the daemon polls every 200 ms; give it a moment to deliver

cleanup() {
  [ -n "${DAEMON:-}" ] && kill "$DAEMON" 2>/dev/null || true
  [ -n "${PUSHD:-}" ] && kill "$PUSHD" 2>/dev/null || true
}
trap cleanup EXIT

step "No configuration: store, generated secrets and the e-mail outbox live in the data directory."
echo "(One setting only, because the demo's push service is plain http on 127.0.0.1:)"
mkdir -p "$XDG_CONFIG_HOME/support"
printf '[push]\nallow_http_endpoints = true\n' > "$XDG_CONFIG_HOME/support/config.toml"

step "Accounts"
run user add agent@example.com --name "Марія (support)" --role agent
run user add olena@example.com --name "Олена" --locale uk
run user list

step "A local Web Push service (decrypts every push with the subscriber's key, checks VAPID)"
$PY -m bench.demo_helpers push-service "$DEMO/push" &
PUSHD=$!
for _ in $(seq 50); do [ -f "$DEMO/push/subscription.json" ] && break; sleep 0.1; done
run --as olena@example.com push subscribe --file "$DEMO/push/subscription.json"

step "The daemon starts (foreground process, here in the background; its log goes to .demo/daemon.log)"
echo '$ support daemon run &'
"$SUPPORT" daemon run 2> "$DEMO/daemon.log" &
DAEMON=$!

step "An account customer opens a ticket (Ukrainian text)"
run --as olena@example.com create --subject "Не можу вивести кошти" \
    --body "Транзакція 0xabc123 зависла о 12:05. Що робити?"

step "A guest opens a ticket with just an e-mail address"
run create --guest-email Guest@Example.net --subject "Password reset mail never arrives" \
    --body "I asked twice at 09:10 and 09:40 UTC, nothing in spam either."

step "Staff see both, newest activity first"
run --as agent@example.com list

step "Staff reply, ask for more information, add an internal note, assign"
run --as agent@example.com reply 10001 --body "Дякуємо! Ми перевіряємо транзакцію."
run --as agent@example.com reply 10001 --request-info --body "Надішліть, будь ласка, скріншот сторінки виводу."
run --as agent@example.com reply 10001 --internal --body "Схоже на затримку мережі, див. інцидент 42."
run --as agent@example.com assign 10001 agent@example.com
run --as agent@example.com reply 10002 --request-info --body "Which address did you use to sign up?"
settle

step "The guest follows the link from their e-mail, asks for a code, and replies"
LINK=$("$SUPPORT" guest link 10002)
echo "link (from the e-mail): $LINK"
run guest request-code "$LINK"
settle
CODE=$($PY -m bench.demo_helpers last-code "$OUTBOX")
echo "(the guest reads the code in their e-mail; it is never printed by support itself)"
printf '$ support guest verify LINK CODE\n'
SESSION=$("$SUPPORT" guest verify "$LINK" "$CODE")
run --guest-session "$SESSION" reply 10002 --body "I signed up with guest@example.net."

step "The account customer answers with a screenshot: the reply reopens the ticket (and notifies nobody)"
$PY -m bench.demo_helpers screenshot "$DEMO/знімок.png"
run --as olena@example.com reply 10001 --body "Ось скріншот: вивід «в обробці» з 12:05." --attach "$DEMO/знімок.png"
run --as agent@example.com attachment list 10001
run --as agent@example.com attachment get 1 -o "$DEMO/downloaded.png"
cmp "$DEMO/знімок.png" "$DEMO/downloaded.png" && echo "(byte-identical)"

step "Search finds Ukrainian words in any form (скріншоту → скріншот, скріншоту...)"
run --as agent@example.com list --search "скріншоту"
run --as agent@example.com list --search "(reset \"password"

step "Resolve and close"
run --as agent@example.com reply 10001 --resolve --body "Кошти зараховано. Гарного дня!"
run --as agent@example.com status 10001 closed
run --as agent@example.com reply 10002 --resolve --body "The mail server is fixed; please try again."

step "A closed ticket is read-only"
run --as olena@example.com reply 10001 --body "Ще питання" || echo "(exit code $?)"

step "What the customer sees: no internal note, no assignment"
run --as olena@example.com view 10001

step "What the guest sees, with their session"
run --guest-session "$SESSION" view 10002

settle
step "The daemon stops cleanly on SIGTERM"
kill -TERM "$DAEMON"; wait "$DAEMON" || true; DAEMON=
run daemon status
run outbox list

step "A consistent backup while the store is live, checked with PRAGMA integrity_check"
run db backup "$DEMO/backup"

step "Every e-mail the daemon wrote (file transport: $OUTBOX). No reply text, ever."
$PY -m bench.demo_helpers show-mail "$OUTBOX"

step "Every push the local push service received and decrypted"
cat "$DEMO/push/deliveries.log"

step "The daemon's log: one line per attempt, no addresses, codes or tokens"
cat "$DEMO/daemon.log"
