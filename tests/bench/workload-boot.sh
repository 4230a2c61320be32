#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A boot-like workload for the benchmarks: a tree of shell scripts, as an
# rc system runs them, starting coreutils, sed, awk and other short-lived
# helpers with varied arguments, and five daemons that start through a
# double fork and exit later. About 3,000 processes; the same commands with
# the same arguments every run (only WORKDIR, pids and timing differ).
#
#   workload-boot.sh WORKDIR
#
# WORKDIR must be an empty (or missing) directory; the workload writes its
# configuration and state there. The script exits once every process it
# started, the daemons included, has exited (they hold a FIFO open, which a
# `cat` at the end reads to EOF). The other forms of the command line are the
# workload's own scripts calling each other:
#
#   workload-boot.sh stage NAME WORKDIR        one rc stage
#   workload-boot.sh unit NAME INDEX WORKDIR   one service's start script
#   workload-boot.sh udev DEVICE WORKDIR       one device event (coldplug)
#   workload-boot.sh daemon NAME ROUNDS WORKDIR
set -eu

self=$0

# Stage sizes: 96 device events, 32 mounts, 40 services (5 of them daemons).
DEVICES=96
MOUNTS=32
SERVICES=40
DAEMON_ROUNDS=12

setup() {
        d=$1
        mkdir -p "$d/etc/default" "$d/run" "$d/log" "$d/var/lib"
        # An fstab, a service list and one config file per service, written by awk and seq.
        seq 1 "$MOUNTS" | awk '{ printf "/dev/vd%c%d /srv/vol%02d ext4 defaults,noatime %d %d\n", 97 + $1 % 4, $1, $1, 0, ($1 % 3 == 0) ? 2 : 1 }' >"$d/etc/fstab"
        seq 1 "$SERVICES" | awk '{ printf "svc%02d %s %d\n", $1, ($1 % 8 == 3) ? "daemon" : "oneshot", 10 + $1 * 7 % 90 }' >"$d/etc/services.list"
        for i in $(seq 1 "$SERVICES"); do
                n=$(printf 'svc%02d' "$i")
                {
                        echo "# $n configuration"
                        echo "NAME=$n"
                        echo "ENABLED=$((i % 5 != 0))"
                        echo "PORT=$((8000 + i))"
                        echo "OPTS=\"--level $((i % 4)) --workers $((1 + i % 3))\""
                        echo "USER=daemon"
                } >"$d/etc/default/$n"
        done
}

# One device event: what a udev rule runs for a device.
udev_event() {
        dev=$1 d=$2
        name=$(basename "/sys/devices/virtual/block/$dev")
        kind=$(echo "$name" | sed -e 's/[0-9]*$//')
        num=$(echo "$name" | tr -dc '0-9')
        # shellcheck disable=SC2003 # a process of its own, as old rc scripts ran it
        major=$(expr "$num" % 8 + 252)
        echo "DEVNAME=$name KIND=$kind MAJOR=$major" | cut -d' ' -f1-3 >"$d/run/udev-$name"
        if [ "$((num % 4))" -eq 0 ]; then
                ln -sf "$d/run/udev-$name" "$d/run/by-id-$kind-$num"
        fi
        grep -c "=" "$d/run/udev-$name" >/dev/null
}

# One service's start script, as in /etc/init.d.
unit_start() {
        n=$1 i=$2 d=$3
        conf=$d/etc/default/$n
        enabled=$(sed -n 's/^ENABLED=//p' "$conf")
        port=$(awk -F= '$1 == "PORT" { print $2 }' "$conf")
        opts=$(grep '^OPTS=' "$conf" | cut -d= -f2- | tr -d '"')
        user=$(sed -n 's/^USER=//p' "$conf")
        id -u "$user" >/dev/null 2>&1 || true
        mkdir -p "$d/var/lib/$n"
        echo "$n $port $opts" | awk '{ print $1 ":" $2 " " NF }' >"$d/var/lib/$n/state"
        if [ "$enabled" = 0 ]; then
                echo "$n disabled" >>"$d/log/$n.log"
                return 0
        fi
        wc -l <"$conf" >/dev/null
        head -n 3 "$conf" | tail -n 1 >/dev/null
        printf '%s\n' "$opts" | tr ' ' '\n' | sort | uniq -c >"$d/var/lib/$n/opts"
        date -u +%Y >/dev/null
        stat -c '%s' "$conf" >/dev/null
        kind=$(awk -v n="$n" '$1 == n { print $2 }' "$d/etc/services.list")
        if [ "$kind" = daemon ]; then
                # The classic double fork: the subshell starts the daemon in the background and exits, so
                # the daemon is reparented; setsid puts it in a session of its own.
                (setsid sh "$self" daemon "$n" "$DAEMON_ROUNDS" "$d" </dev/null >>"$d/log/$n.log" 2>&1 &)
        fi
        touch "$d/run/$n.started"
        echo "$n started on port $port" >>"$d/log/$n.log"
}

# A daemon: some rounds of work with sleeps between them, then it exits.
daemon_main() {
        n=$1 rounds=$2 d=$3
        echo $$ >"$d/run/$n.pid"
        for r in $(seq 1 "$rounds"); do
                sleep 0.03
                cat /proc/uptime >/dev/null
                echo "$n round $r" | sed -e "s/round/tick/" >>"$d/log/$n.log"
        done
        rm -f "$d/run/$n.pid"
}

stage() {
        name=$1 d=$2
        case $name in
        sysinit)
                uname -r >/dev/null
                hostname >/dev/null
                # Mounts, from the fstab: device, mount point, options, fsck pass.
                i=0
                while read -r dev mp fs opts _ pass; do
                        i=$((i + 1))
                        mkdir -p "$d$mp"
                        echo "$opts" | tr ',' '\n' | grep -c . >/dev/null
                        awk -v p="$pass" -v m="$mp" 'BEGIN { if (p > 1) print "fsck " m }' >>"$d/log/fsck.log"
                        echo "$dev $mp $fs" | sed -e "s|^/dev/||" -e "s|/srv/|srv:|" >>"$d/run/mounts"
                done <"$d/etc/fstab"
                sort -k2 "$d/run/mounts" | uniq >"$d/run/mounts.sorted"
                ;;
        udev)
                # Coldplug: device events four at a time, as udevd's workers run them.
                for i in $(seq 1 "$DEVICES"); do
                        dev=vd$(printf '%s' "abcd" | cut -c$((1 + i % 4)))$i
                        sh "$self" udev "$dev" "$d" &
                        if [ $((i % 4)) -eq 0 ]; then
                                wait
                        fi
                done
                wait
                find "$d/run" -name 'udev-*' | grep -c . >/dev/null
                ;;
        services)
                # Services in order, two at a time, as a parallel rc would.
                i=0
                while read -r n _; do
                        i=$((i + 1))
                        sh "$self" unit "$n" "$i" "$d" &
                        if [ $((i % 2)) -eq 0 ]; then
                                wait
                        fi
                done <"$d/etc/services.list"
                wait
                ;;
        local)
                # rc.local: a report over what ran.
                find "$d/etc/default" -type f | sort | xargs cat | wc -c >/dev/null
                sha256sum "$d/etc/fstab" "$d/etc/services.list" >"$d/run/checksums"
                for f in "$d"/var/lib/*/state; do
                        cut -d' ' -f1 "$f"
                done | sort | awk '{ n++ } END { print n " services" }' >"$d/log/report"
                find "$d/run" -maxdepth 1 | wc -l >/dev/null
                env | grep -c '^PATH=' >/dev/null
                ;;
        *)
                echo "workload-boot: unknown stage $name" >&2
                exit 2
                ;;
        esac
}

case ${1:-} in
stage) stage "$2" "$3" ;;
unit) unit_start "$2" "$3" "$4" ;;
udev) udev_event "$2" "$3" ;;
daemon) daemon_main "$2" "$3" "$4" ;;
"" | -h | --help)
        echo "usage: workload-boot.sh WORKDIR" >&2
        exit 2
        ;;
*)
        d=$1
        mkdir -p "$d"
        d=$(cd "$d" && pwd)
        setup "$d"
        # The shutdown barrier: cat reads the FIFO until every holder of fd 9 (this script and all it
        # started, the daemons included) has closed it.
        mkfifo "$d/run/barrier"
        cat "$d/run/barrier" >/dev/null &
        barrier=$!
        exec 9>"$d/run/barrier"
        for s in sysinit udev services local; do
                sh "$self" stage "$s" "$d"
        done
        exec 9>&-
        wait "$barrier"
        ;;
esac
