#!/usr/bin/python3
"""A stand-in for firewalld, for the firewall plugin's tests: no real firewalld can run in a test
(it takes over the whole machine's firewall), so this serves the part of firewalld's D-Bus API that
CNI firewall plugins call, on the bus it is given, with python3-dbus (libdbus), an implementation
independent of Wharf's:

  org.fedoraproject.FirewallD1.zone  addSource(ss) -> s, removeSource(ss) -> s, querySource(ss) -> b,
                                     getZoneOfSource(s) -> s

with firewalld's error names and codes (org.fedoraproject.FirewallD1.Exception, "ZONE_ALREADY_SET: ...",
"ZONE_CONFLICT", "UNKNOWN_SOURCE", "INVALID_ZONE"). It also does what firewalld's trusted zone does
to forwarded traffic, in the network namespace it runs in (the test's "host"): a table inet
firewalld_standin whose forward chain drops what no zone lets through, and accepts traffic from the
trusted zone's sources and replies to them. It runs `nft` for that: it is a test's tool, not Wharf.

Usage: standin.py BUS_ADDRESS LOG_FILE [--no-filter]. Prints "ready" on stdout once it owns its name.
--no-filter (for bench/firewall_bench.sh) leaves nftables alone, so a call's time is the bus's and the
stand-in's answer, not an `nft` process's.
Every call is appended to LOG_FILE as "member zone source", so tests can see what reached it.
"""
import subprocess
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.fedoraproject.FirewallD1"
PATH = "/org/fedoraproject/FirewallD1"
ZONE_IFACE = NAME + ".zone"
ZONES = {"trusted", "public", "internal", "block", "drop", "dmz", "external", "home", "work"}
TABLE = "firewalld_standin"


class FirewallError(dbus.exceptions.DBusException):
    _dbus_error_name = NAME + ".Exception"


def nft(script):
    subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True)


FILTER = "--no-filter" not in sys.argv[3:]


def apply(zone, verb, source):
    """What firewalld's trusted zone does to forwarded traffic from a source; other zones filter nothing here."""
    if FILTER and zone == "trusted":
        nft("%s element inet %s trusted_%s { %s }\n" % (verb, TABLE, "v6" if ":" in source else "v4", source))


class Zones(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, PATH)
        self.sources = {}  # source -> zone
        self.log = log

    def note(self, *words):
        with open(self.log, "a") as f:
            f.write(" ".join(words) + "\n")

    def zone_of_call(self, member, zone, source):
        """Logs the call; the zone it means (empty: the default zone), or INVALID_ZONE."""
        self.note(member, zone, source)
        zone = zone or "public"
        if zone not in ZONES:
            raise FirewallError("INVALID_ZONE: " + zone)
        return zone

    @dbus.service.method(ZONE_IFACE, in_signature="ss", out_signature="s")
    def addSource(self, zone, source):
        zone = self.zone_of_call("addSource", zone, source)
        if self.sources.get(source) == zone:
            raise FirewallError("ZONE_ALREADY_SET: '%s' already bound to '%s'" % (source, zone))
        if source in self.sources:
            raise FirewallError("ZONE_CONFLICT: '%s' already bound to '%s'" % (source, self.sources[source]))
        self.sources[source] = zone
        apply(zone, "add", source)
        return zone

    @dbus.service.method(ZONE_IFACE, in_signature="ss", out_signature="s")
    def removeSource(self, zone, source):
        zone = self.zone_of_call("removeSource", zone, source)
        if self.sources.get(source) != zone:
            raise FirewallError("UNKNOWN_SOURCE: '%s' is not in '%s'" % (source, zone))
        del self.sources[source]
        apply(zone, "delete", source)
        return zone

    @dbus.service.method(ZONE_IFACE, in_signature="ss", out_signature="b")
    def querySource(self, zone, source):
        zone = self.zone_of_call("querySource", zone, source)
        return self.sources.get(source) == zone

    @dbus.service.method(ZONE_IFACE, in_signature="s", out_signature="s")
    def getZoneOfSource(self, source):
        return self.sources.get(source, "")


def main():
    address, log = sys.argv[1], sys.argv[2]
    if FILTER:
        nft("table inet %s {\n"
            " set trusted_v4 { type ipv4_addr; flags interval; }\n"
            " set trusted_v6 { type ipv6_addr; flags interval; }\n"
            " chain filter_FORWARD {\n"
            "  type filter hook forward priority filter + 10; policy drop;\n"
            "  ct state established,related accept\n"
            "  ip saddr @trusted_v4 accept\n"
            "  ip6 saddr @trusted_v6 accept\n"
            " }\n"
            "}\n" % TABLE)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    _zones = Zones(bus, log)
    _name = dbus.service.BusName(NAME, bus)
    print("ready", flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 15, loop.quit)  # SIGTERM
    loop.run()
    if FILTER:
        nft("delete table inet %s\n" % TABLE)


if __name__ == "__main__":
    main()
