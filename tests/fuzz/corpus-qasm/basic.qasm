OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
gate g(a) x,y { rz(a/2) x; cx x,y; }
h q[0];
g(pi/4) q[0],q[1];
barrier q;
measure q -> c;
if(c==1) x q[2];
reset q[1];
