echo hello from guest; uname -r; ls /sys/kernel/security; ls /sys/class/tpm; id; which tpm2_eventlog; echo out=$AAEL_OUT kmods=$AAEL_KMODS
