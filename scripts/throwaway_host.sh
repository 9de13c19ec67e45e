# Sourced (not run) by the scripts that run Wharf in a network namespace standing for the host
# (docs/topology.sh, scripts/package-check.sh), so that nothing touches the machine's own namespace:
#   throwaway_host_make NAME   makes /run/netns/NAME with lo up; $throwaway_host_ino is its inode
#   throwaway_host_remove      deletes it and the plugins' state for it, /run/wharf/<plugin>/<inode>
#                              (and /run/wharf itself if it was not there before and is empty now)
throwaway_host=
throwaway_host_ino=
throwaway_host_made_run_dir=0
throwaway_host_make() {
    [ -e /run/wharf ] || throwaway_host_made_run_dir=1
    ip netns add "$1" || return 1
    throwaway_host=$1
    throwaway_host_ino=$(stat -L -c %i /run/netns/"$1")
    ip -n "$1" link set lo up
}
throwaway_host_remove() {
    [ -n "$throwaway_host" ] || return 0
    ip netns del "$throwaway_host" 2>/dev/null
    rm -rf /run/wharf/*/"$throwaway_host_ino"
    [ "$throwaway_host_made_run_dir" = 1 ] && find /run/wharf -depth -type d -empty -delete 2>/dev/null
    throwaway_host=
    return 0
}
