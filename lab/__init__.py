"""The astreinte lab: a real Asterisk 22 (Debian sid, in a debootstrap root) and real SIP phones
(sipp, baresip) on 127.0.0.1, for the tests, the demo and the benchmarks. Not shipped in the package."""
