#!/usr/bin/env bash
# `make demo`: a whole support workflow on the zero-config defaults, in a throwaway home
# (.demo/) so it never touches your real store.
set -euo pipefail
cd "$(dirname "$0")/.."
SUPPORT=${SUPPORT:-.venv/bin/support}
DEMO=$PWD/.demo
rm -rf "$DEMO"
export XDG_DATA_HOME=$DEMO/data XDG_CONFIG_HOME=$DEMO/config
unset SUPPORT_CONFIG SUPPORT_DB SUPPORT_AS SUPPORT_GUEST_SESSION

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ support %s\n' "$*"; "$SUPPORT" "$@"; }

step "Accounts (no config at all: the store lives in the user's data directory)"
run user add agent@example.com --name "Марія (support)" --role agent
run user add olena@example.com --name "Олена" --locale uk
run user list

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

step "The customers answer: each reply reopens its ticket"
run --as olena@example.com reply 10001 --body "Ось скріншот: вивід «в обробці» з 12:05."
echo "Guest replies arrive through the guest link and code (support guest ...); as the operator here:"
run --as agent@example.com status 10002 open

step "Resolve and close"
run --as agent@example.com reply 10001 --resolve --body "Кошти зараховано. Гарного дня!"
run --as agent@example.com status 10001 closed
run --as agent@example.com reply 10002 --resolve --body "The mail server is fixed; please try again."

step "A closed ticket is read-only"
run --as olena@example.com reply 10001 --body "Ще питання" || echo "(exit code $?)"

step "What the customer sees: no internal note, no assignment"
run --as olena@example.com view 10001

step "What staff see"
run --as agent@example.com view 10001

step "Tickets by status"
run --as agent@example.com list --closed
