#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module "bootlog": puts bootlogd into the initrd and starts it first
# thing, so that one recording holds the whole boot, from the initrd to the
# real root.
#
# - With systemd in the initrd (dracut's default where the host runs
#   systemd): bootlogd.service, wanted by sysinit.target and by
#   initrd-switch-root.target. The recorder keeps running through switch_root
#   and the real root's systemd takes the running unit over (see the unit).
# - Without systemd in the initrd: a cmdline hook (the first hook dracut's
#   init runs) starts "bootlogd --daemon"; it keeps running after switch_root
#   and the real root's bootlogd.service, if any, sees it and stays put.
#
# Paths below are filled in by meson at build time.

# Variables set by dracut for its modules: initdir, moddir,
# dracutsysrootdir, systemdsystemunitdir, SYSTEMCTL.
# shellcheck disable=SC2154

bootlogd=@SBINDIR@/bootlogd
bootlog_loader=@EXECARGS_LOADER@
bootlog_unit=@UNITDIR@/bootlogd.service
bootlog_conf=@CONFIG@

# called by dracut
check() {
    # Installing bootlog is asking for boot recordings: include the module
    # whenever bootlogd is there.
    require_binaries "$bootlogd" || return 1
    return 0
}

# called by dracut
depends() {
    # Nothing. With systemd in the initrd the unit starts bootlogd, without it
    # the hook does (see install()); asking for "systemd" here would drop this
    # module from initrds deliberately built without systemd.
    return 0
}

# The config files bootlogd reads, in its order: bootlog.conf, then
# bootlog.conf.d/*.conf. Paths as on the host, one per line.
bootlog_config_files() {
    local _f
    [[ -f $dracutsysrootdir$bootlog_conf ]] && echo "$bootlog_conf"
    for _f in "$dracutsysrootdir$bootlog_conf".d/*.conf; do
        [[ -f $_f ]] && echo "${_f#"$dracutsysrootdir"}"
    done
    return 0
}

# Group= as the configuration sets it (the last one wins), default adm.
bootlog_group() {
    local _f _line _group=adm
    while read -r _f; do
        while IFS= read -r _line || [[ -n $_line ]]; do
            if [[ $_line =~ ^[[:space:]]*Group[[:space:]]*=[[:space:]]*(.*[^[:space:]])?[[:space:]]*$ ]]; then
                _group=${BASH_REMATCH[1]}
            fi
        done < "$dracutsysrootdir$_f"
    done < <(bootlog_config_files)
    echo "$_group"
}

# called by dracut
install() {
    local _f _group _target _v

    # With the libraries it links, if it is not static (libnl, libzstd):
    # dracut-install finds them with ldd. The same for the exec-argument
    # capture's loader, if it was built (libbpf, libelf, libz if dynamic).
    inst_binary "$bootlogd" || return 1
    if [[ -x $bootlog_loader ]]; then
        inst_binary "$bootlog_loader" || return 1
    fi
    while read -r _f; do
        inst_simple "$_f"
    done < <(bootlog_config_files)

    # bootlogd gives its files to Group=; let the initrd resolve that name
    # (dracut's systemd module copies adm already, not other groups).
    _group=$(bootlog_group)
    if [[ -n $_group ]] && ! grep -qs "^$_group:" "$initdir/etc/group"; then
        mkdir -p "$initdir/etc"
        grep -s "^$_group:" "$dracutsysrootdir/etc/group" >> "$initdir/etc/group"
    fi

    if dracut_module_included systemd; then
        inst_simple "$bootlog_unit" "$systemdsystemunitdir/bootlogd.service" || return 1
        # sysinit.target: start first thing. initrd-switch-root.target: the
        # target isolated before switch_root wants it too, so it is kept.
        for _target in sysinit.target initrd-switch-root.target; do
            "${SYSTEMCTL:-systemctl}" -q --root "$initdir" add-wants "$_target" bootlogd.service || return 1
        done
        # bootlog.initramfs=0 (or no, off, false): not in the initrd; the
        # real root's bootlogd.service (or init=/usr/lib/bootlog/init) starts
        # the recorder instead. A drop-in in the initrd only: the real root's
        # unit has no such condition. (Conditions are ANDed.)
        mkdir -p "$initdir$systemdsystemunitdir/bootlogd.service.d" || return 1
        {
            echo "# Installed by dracut's bootlog module (90bootlog): in the initrd only."
            echo "[Unit]"
            for _v in 0 no off false; do
                echo "ConditionKernelCommandLine=!bootlog.initramfs=$_v"
            done
        } > "$initdir$systemdsystemunitdir/bootlogd.service.d/initramfs.conf" || return 1
    else
        inst_hook cmdline 00 "$moddir/bootlog-start.sh"
    fi
    return 0
}
