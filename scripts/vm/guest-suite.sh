#!/usr/bin/env bash
# Inside the cgroup v2 VM of run-sandbox-suite-v2.sh, from root's login shell on the serial
# console: the phases named in /mnt/hangar/.vm-phases, each a PASS or FAIL line in
# results/summary.txt, then `RESULT ok` or `RESULT failed`. Each phase's output is in results/.
set -u
repo=/mnt/hangar
out=$repo/results
cd "$repo" || exit 1
export PATH="$repo/node_modules/.bin:$PATH"
suite=$(cat .vm-suite)
failed=0

say() { echo "$*" | tee -a "$out/summary.txt"; }
pass() { say "PASS $1: $2"; }
fail() { say "FAIL $1: $2"; failed=1; }
own() { cut -d: -f3 /proc/self/cgroup; }
# The counts at the end of a node --test spec report.
counts() { grep -E '^ℹ (tests|pass|fail|skipped|cancelled) ' "$1" | sed 's/^ℹ //' | tr '\n' ' '; }

say "kernel $(uname -r); /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup); systemd $(systemctl --version | head -1 | cut -d' ' -f2)"
say "root shell's cgroup $(own): controllers '$(cat "/sys/fs/cgroup$(own)/cgroup.controllers")'"

for phase in $(cat .vm-phases); do
  say "--- $phase ($(date +%T))"
  case "$phase" in
    doctor-shell)
      # doctor must neither move this shell nor leave cgroups behind.
      cg=/sys/fs/cgroup$(own)
      before=$(cd "$cg" && find . -mindepth 1 -type d | sort)
      HANGAR_DATA_DIR=/tmp/hangar-doctor bin/hangar doctor > "$out/doctor-shell.txt" 2>&1
      rc=$?
      after=$(cd "$cg" && find . -mindepth 1 -type d | sort)
      say "doctor exit $rc: $(grep -E '^(sandbox|verdict):' "$out/doctor-shell.txt" | tr '\n' ' ')"
      if [ "$(own)" != "${cg#/sys/fs/cgroup}" ]; then fail "$phase" "the shell was moved to $(own)"
      elif [ "$before" != "$after" ]; then fail "$phase" "cgroups left behind: $(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')"
      else pass "$phase" "shell still in $(own), no cgroup left behind"; fi
      # What doctor suggests from a shell whose cgroup has other processes: a delegated scope.
      systemd-run --scope --quiet -p Delegate=yes env HANGAR_DATA_DIR=/tmp/hangar-doctor bin/hangar doctor > "$out/doctor-scope.txt" 2>&1
      rc=$?
      if [ $rc = 0 ]; then pass doctor-scope "$(grep -E '^sandbox:' "$out/doctor-scope.txt")"; else fail doctor-scope "exit $rc: $(head -c 600 "$out/doctor-scope.txt")"; fi
      ;;
    shell)
      # shellcheck disable=SC2086 # the suite is a glob
      node --disable-warning=ExperimentalWarning --test --test-reporter=spec --test-concurrency=1 $suite > "$out/suite-shell.txt" 2>&1
      rc=$?
      if [ $rc = 0 ]; then pass "$phase" "$(counts "$out/suite-shell.txt")"; else fail "$phase" "exit $rc; $(counts "$out/suite-shell.txt")"; fi
      ;;
    service)
      systemd-run --unit=hangar-suite --wait --collect --quiet \
        -p Delegate=yes -p KillMode=mixed -p WorkingDirectory="$repo" -p Environment=PATH="$PATH" \
        -p StandardOutput=file:"$out/suite-service.txt" -p StandardError=append:"$out/suite-service.txt" \
        /bin/sh -c "exec node --disable-warning=ExperimentalWarning --test --test-reporter=spec --test-concurrency=1 $suite"
      rc=$?
      if [ $rc = 0 ]; then pass "$phase" "$(counts "$out/suite-service.txt")"; else fail "$phase" "exit $rc; $(counts "$out/suite-service.txt")"; fi
      ;;
    doctor-plain)
      # An ordinary unit (no Delegate=yes): doctor must name the missing controller and the fix.
      systemd-run --unit=hangar-doctor-plain --wait --collect --quiet -p WorkingDirectory="$repo" \
        -p Environment=HANGAR_DATA_DIR=/tmp/hangar-doctor-plain -p StandardOutput=file:"$out/doctor-plain.txt" -p StandardError=append:"$out/doctor-plain.txt" \
        "$repo/bin/hangar" doctor
      rc=$?
      if [ $rc = 1 ] && grep -q 'lacks the cpu controller' "$out/doctor-plain.txt" && grep -q 'Delegate=yes' "$out/doctor-plain.txt"; then pass "$phase" "exit 1, names cpu and Delegate=yes"
      else fail "$phase" "exit $rc: $(head -c 600 "$out/doctor-plain.txt")"; fi
      systemd-run --unit=hangar-doctor-delegated --wait --collect --quiet -p Delegate=yes -p WorkingDirectory="$repo" \
        -p Environment=HANGAR_DATA_DIR=/tmp/hangar-doctor-delegated -p StandardOutput=file:"$out/doctor-delegated.txt" -p StandardError=append:"$out/doctor-delegated.txt" \
        "$repo/bin/hangar" doctor
      rc=$?
      if [ $rc = 0 ]; then pass "doctor-delegated" "$(grep -E '^sandbox:' "$out/doctor-delegated.txt")"; else fail "doctor-delegated" "exit $rc: $(head -c 600 "$out/doctor-delegated.txt")"; fi
      ;;
    unit)
      # The shipped unit, as docs/isolation.md installs it (Hangar in /opt/hangar).
      ln -sfn "$repo" /opt/hangar
      cp contrib/systemd/hangar.service /etc/systemd/system/hangar.service
      systemctl daemon-reload
      systemctl start hangar
      for _ in $(seq 1 300); do curl -sf http://127.0.0.1:8080/health > /dev/null && break; sleep 1; done
      export HANGAR_DATA_DIR=/var/lib/hangar HANGAR_API_KEY
      HANGAR_API_KEY=$(cat /var/lib/hangar/admin.key 2>/dev/null)
      bin/hangar submit --max-attempts 1 --shell 'cat /proc/self/cgroup; id -u' --wait > "$out/unit-task.txt" 2>&1
      rc=$?
      cgs=$(cd /sys/fs/cgroup/system.slice/hangar.service 2>/dev/null && find . -maxdepth 2 -type d | sort | tr '\n' ' ')
      journalctl -u hangar --no-pager > "$out/unit-journal.txt" 2>&1
      systemctl stop hangar
      result=$(systemctl show -p Result --value hangar)
      if [ $rc = 0 ] && grep -q '^64100$' "$out/unit-task.txt" && [ "$result" = success ]; then pass "$phase" "task ran as uid 64100; unit cgroups: $cgs; stop result $result"
      else fail "$phase" "submit exit $rc, stop result $result; cgroups: $cgs; $(tail -c 600 "$out/unit-task.txt")"; fi
      ;;
    *) fail "$phase" "unknown phase" ;;
  esac
done

if [ $failed = 0 ]; then say "RESULT ok"; else say "RESULT failed"; fi
sync
