OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
bit[3] c;
gate kick(a) x, y { ctrl @ rz(a) x, y; gphase(a / 4); }
h q[0];
for uint i in [0:1] { cx q[i], q[i + 1]; }
c[0] = measure q[0];
if (c[0]) { x q[1]; } else { negctrl @ inv @ s q[1], q[2]; }
if (c == 5) pow(2) @ t q[2];
delay[100ns] q[0];
kick(0.3) q[1], q[2];
c = measure q;
