#!/bin/bash
# t0603-aws-budget.sh -- budget.aws_budget against the simulator's AWS Budgets, on a paused clock
# moved only by `advance`: off by default (no Budgets call at all); once on, every active account
# with a budget gets `sandboxctl-<id>` in the management account with its limit, its linked
# account filter and one alert per warning threshold and at 100% (also a class seat with its
# own --budget), as the AWS CLI sees it; extend --budget and unfreeze --budget update it (a
# monthly budget is MONTHLY at AWS); the close and a release
# delete it; doctor checks the endpoint and the right to read budgets; a
# SIGKILL after AWS made the budget but before the store recorded it leaves one budget that the
# next run records; AccessDenied on CreateBudget never stops the account from becoming active,
# shows in `show` and the audit log, and is retried until it works.
. "$SBX_SOURCE_DIR/tests/integration/lib.sh"

AWS_CLI=${AWS_CLI:-/usr/bin/aws}
[ -x "$AWS_CLI" ] || AWS_CLI=$(command -v aws) ||
    fail "the aws CLI is not installed (contrib/install-deps.sh installs awscli)"
PAGER_OPT=
case "$("$AWS_CLI" --version 2>&1)" in
aws-cli/2*) PAGER_OPT=--no-cli-pager ;;
esac
# shellcheck disable=SC2086
budgets() { "$AWS_CLI" budgets "$@" --endpoint-url "$SIM_URL" --region us-east-1 --output json $PAGER_OPT; }

SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 0s --close-latency 1m
export AWS_ENDPOINT_URL_COST_EXPLORER=$SIM_URL
MGMT=111111111111
KINDS='kinds = {
    demo = {
        ttl = "3d";
        ou = "Sandboxes/Demos";
        budget = { limit = "100 USD"; warn = [ 50, 80 ]; at_limit = "notify"; };
    };
    lab = {
        ttl = "3d";
        ou = "Sandboxes/Labs";
        budget = { limit = "10 USD"; period = "monthly"; at_limit = "freeze"; };
    };
};'
write_config "$KINDS"
sbx init >/dev/null
adv() { sim_admin POST advance "{\"seconds\": \"$1\"}" >/dev/null; }
state_of() { json_get "$(sbx show "$1" --json)" 'd["state"]'; }
acct_id() { json_get "$(sbx show "$1" --json)" 'd["account_id"]'; }
events_of() { json_get "$(sbx log "$1" --json)" '" ".join(e["event"] for e in d["events"])'; }
count_event() { events_of "$1" | tr ' ' '\n' | grep -c "^$2\$" || true; }
budget_calls() {
    json_get "$(sim_admin GET state)" 'sum(d["calls"][op] for op in ("CreateBudget", "DescribeBudget", "DescribeBudgets", "UpdateBudget", "DeleteBudget", "DescribeNotificationsForBudget"))'
}
# names -- the budgets of the management account, as the AWS CLI lists them
names() { json_get "$(budgets describe-budgets --account-id "$MGMT")" '" ".join(sorted(b["BudgetName"] for b in d.get("Budgets", [])))'; }
make() { sbx_create_active "$@"; }

# Off by default: an account with a budget, its life, and not one Budgets call.
r0=$(make demo early@corp.example)
sbx run >/dev/null
assert_eq "$(budget_calls)" 0 "no Budgets call without budget.aws_budget"
assert_eq "$(json_get "$(sbx show "$r0" --json)" 'd["aws_budget"]')" null

# On, with a team list besides the owner.
write_config "$KINDS
budget = { check_interval = \"1h\"; aws_budget = true; alert_email = \"finops@corp.example\"; };"
export AWS_ENDPOINT_URL_BUDGETS=$SIM_URL
# doctor: the endpoint answers and budgets may be read; a deny is a failure it names
assert_contains "$(sbx doctor)" "ok    budgets       $SIM_URL: budgets:ViewBudget allowed in $MGMT"
sim_admin POST faults '{"deny_ops": ["DescribeBudget"]}' >/dev/null
set +e
out=$(sbx doctor 2>&1)
st=$?
set -e
assert_eq "$st" 5 "doctor with Budgets denied"
assert_contains "$out" "FAIL  budgets       DescribeBudget ($SIM_URL): AccessDeniedException"
sim_admin POST faults '{"deny_ops": []}' >/dev/null
# the account that was already active gets its budget at the next pass
sbx run >/dev/null
id0=$(acct_id "$r0")
assert_eq "$(names)" "sandboxctl-$id0"
assert_eq "$(count_event "$r0" aws_budget_created)" 1

# A new account: its budget is made in the step that activates it.
r1=$(make demo alice@corp.example)
id1=$(acct_id "$r1")
assert_eq "$(names)" "$(printf '%s\n' "sandboxctl-$id0" "sandboxctl-$id1" | sort | tr '\n' ' ' | sed 's/ $//')"
b=$(budgets describe-budget --account-id "$MGMT" --budget-name "sandboxctl-$id1")
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetLimit"]["Amount"]')" "100.00"
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetLimit"]["Unit"]')" USD
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetType"]')" COST
assert_eq "$(json_get "$b" 'd["Budget"]["TimeUnit"]')" ANNUALLY
assert_eq "$(json_get "$b" 'd["Budget"]["CostFilters"]["LinkedAccount"]')" "[\"$id1\"]"
active_day=$(json_get "$(sbx show "$r1" --json)" 'd["active_at"][:10]')
start=$(json_get "$(sim_admin GET state)" "[b['Budget']['TimePeriod']['Start'] for b in d['budgets'] if b['Budget']['BudgetName'] == 'sandboxctl-$id1'][0]")
assert_eq "$(python3 -c 'import sys, time; print(time.strftime("%Y-%m-%d", time.gmtime(float(sys.argv[1]))))' "$start")" "$active_day" "a lease starts on its first day"
n=$(budgets describe-notifications-for-budget --account-id "$MGMT" --budget-name "sandboxctl-$id1")
assert_eq "$(json_get "$n" 'sorted(x["Threshold"] for x in d["Notifications"])')" '[50, 80, 100]'
assert_eq "$(json_get "$n" 'sorted({(x["NotificationType"], x["ComparisonOperator"], x["ThresholdType"]) for x in d["Notifications"]})')" '[["ACTUAL", "GREATER_THAN", "PERCENTAGE"]]'
subs=$(json_get "$(sim_admin GET state)" "sorted({s['Address'] for b in d['budgets'] if b['Budget']['BudgetName'] == 'sandboxctl-$id1' for n in b['NotificationsWithSubscribers'] for s in n['Subscribers'] if s['SubscriptionType'] == 'EMAIL'})")
assert_eq "$subs" '["alice@corp.example", "finops@corp.example"]'
assert_eq "$(count_event "$r1" aws_budget_created)" 1
assert_contains "$(sbx show "$r1")" "aws budget    sandboxctl-$id1, in place, 100.00 USD"
# nothing to do: no more Budgets calls
before=$(budget_calls)
sbx run >/dev/null
assert_eq "$(budget_calls)" "$before" "an account in sync costs no call"

# extend --budget: the AWS Budget follows at once.
sbx extend "$r1" --budget 150USD >/dev/null
b=$(budgets describe-budget --account-id "$MGMT" --budget-name "sandboxctl-$id1")
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetLimit"]["Amount"]')" "150.00"
assert_eq "$(count_event "$r1" aws_budget_updated)" 1

# A class seat with its own budget.
sbx class create lab1 --seats 1 --owner prof@uni.example --kind demo --ttl 2d --budget 30USD \
    --no-wait >/dev/null
for _ in $(seq 1 60); do
    n=$(json_get "$(sbx list --class lab1 --state active --json)" 'd["count"]')
    [ "$n" = 1 ] && break
    adv 10s
    sbx run --once >/dev/null
done
assert_eq "$n" 1 "the seat is active"
seat=$(json_get "$(sbx list --class lab1 --json)" 'd["accounts"][0]["account_id"]')
b=$(budgets describe-budget --account-id "$MGMT" --budget-name "sandboxctl-$seat")
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetLimit"]["Amount"]')" "30.00"
assert_eq "$(json_get "$b" 'd["Budget"]["CostFilters"]["LinkedAccount"]')" "[\"$seat\"]"

# The close deletes it (once CloseAccount is sent).
sbx close "$r1" --yes --no-wait >/dev/null
for _ in $(seq 1 60); do
    case "$(state_of "$r1")" in closing | suspended) break ;; esac
    adv 1m
    sbx run --once >/dev/null
done
sbx run --once >/dev/null
case "$(names)" in *"sandboxctl-$id1"*) fail "the closed account's budget is still there" ;; esac
assert_eq "$(count_event "$r1" aws_budget_deleted)" 1
assert_eq "$(json_get "$(sbx show "$r1" --json)" 'd["aws_budget"]')" null

# SIGKILL after CreateBudget took effect at AWS, before the store recorded it: the answer is
# held (latency on CreateBudget only) while the process is killed.
sim_admin POST faults '{"latency_ms": 20000, "latency_ops": ["CreateBudget"]}' >/dev/null
r2=$(json_get "$(sbx create --kind demo --owner bob@corp.example --no-wait --json)" 'd["id"]')
created_before=$(sim_calls CreateBudget)
killed=0
for _ in $(seq 1 60); do
    adv 10s
    "$SANDBOXCTL" run --once >/dev/null 2>&1 &
    pid=$!
    kill_at_call CreateBudget "$created_before" "$pid" && killed=1
    [ "$killed" = 1 ] && break
done
assert_eq "$killed" 1 "killed while CreateBudget's answer was on its way"
sim_admin POST faults '{"latency_ms": 0, "latency_ops": []}' >/dev/null
id2=$(acct_id "$r2")
assert_eq "$(state_of "$r2")" active
assert_eq "$(count_event "$r2" aws_budget_created)" 0 "not recorded before the kill"
sbx run >/dev/null
assert_eq "$(names | tr ' ' '\n' | grep -c "^sandboxctl-$id2\$")" 1 "one budget"
assert_eq "$(count_event "$r2" aws_budget_created)" 1 "recorded by the next run"
assert_contains "$(json_get "$(sbx log "$r2" --json)" '[e["detail"] for e in d["events"] if e["event"] == "aws_budget_created"][0]')" "already there"
assert_eq "$(json_get "$(sbx show "$r2" --json)" 'd["aws_budget"]["state"]')" "in place"

# AccessDenied on CreateBudget: the account still becomes active; the failure is shown and
# audited once, and retried (with a growing delay) until it works.
sim_admin POST faults '{"deny_ops": ["CreateBudget"]}' >/dev/null
r3=$(make demo carol@corp.example)
id3=$(acct_id "$r3")
assert_eq "$(state_of "$r3")" active
assert_eq "$(count_event "$r3" aws_budget_failed)" 1
js=$(sbx show "$r3" --json)
assert_eq "$(json_get "$js" 'd["aws_budget"]["state"]')" failing
assert_contains "$(json_get "$js" 'd["aws_budget"]["last_error"]')" "AccessDeniedException"
assert_contains "$(sbx show "$r3")" "aws budget    sandboxctl-$id3, failing"
calls=$(sim_calls CreateBudget)
sbx run >/dev/null
assert_eq "$(sim_calls CreateBudget)" "$calls" "not retried before its delay"
adv 2m
assert_exit 8 sbx run
assert_eq "$(sim_calls CreateBudget)" "$((calls + 1))" "retried after the delay"
assert_eq "$(count_event "$r3" aws_budget_failed)" 1 "audited once"
sim_admin POST faults '{"deny_ops": []}' >/dev/null
adv 5m
sbx run >/dev/null
assert_eq "$(count_event "$r3" aws_budget_created)" 1
assert_eq "$(json_get "$(sbx show "$r3" --json)" 'd["aws_budget"]["state"]')" "in place"
case "$(names)" in *"sandboxctl-$id3"*) ;; *) fail "carol's budget was never made" ;; esac

# A released account leaves management: its budget goes at the next pass.
sbx release "$r3" >/dev/null
sbx run >/dev/null
case "$(names)" in *"sandboxctl-$id3"*) fail "the released account's budget is still there" ;; esac
assert_eq "$(count_event "$r3" aws_budget_deleted)" 1

# unfreeze --budget: a monthly budget frozen at its limit gets the new limit at AWS at once.
r4=$(make lab dave@corp.example)
id4=$(acct_id "$r4")
b=$(budgets describe-budget --account-id "$MGMT" --budget-name "sandboxctl-$id4")
assert_eq "$(json_get "$b" 'd["Budget"]["TimeUnit"]')" MONTHLY
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetLimit"]["Amount"]')" "10.00"
sim_admin POST spend "{\"AccountId\": \"$id4\", \"PerDay\": 480, \"Lag\": 0}" >/dev/null
for _ in $(seq 1 6); do
    [ "$(state_of "$r4")" = frozen ] && break
    adv 1h
    sbx run >/dev/null
done
assert_eq "$(state_of "$r4")" frozen
sbx unfreeze "$r4" --budget 500USD >/dev/null
b=$(budgets describe-budget --account-id "$MGMT" --budget-name "sandboxctl-$id4")
assert_eq "$(json_get "$b" 'd["Budget"]["BudgetLimit"]["Amount"]')" "500.00"
assert_eq "$(count_event "$r4" aws_budget_updated)" 1

# The budgets survive a simulator restart (its state file).
before=$(names)
sim_stop
SIM_SCALE=1 sim_start_paused --no-throttle --create-latency 0s --close-latency 1m
export AWS_ENDPOINT_URL_BUDGETS=$SIM_URL
assert_eq "$(names)" "$before"
