# From flattened network_data.json: the ipv4 network on the link carrying `mac`
# (a phy link or a bond with that MAC). Prints `type ip netmask gateway dns...`, "-" when absent.
{
  k = $0; sub(/=.*/, "", k); v = substr($0, length(k) + 2); n = split(k, p, ".")
  if (p[1] == "links" && n == 3) { L[p[2], p[3]] = v; if (p[2] + 1 > nl) nl = p[2] + 1 }
  if (p[1] == "networks" && n == 3) { N[p[2], p[3]] = v; if (p[2] + 1 > nn) nn = p[2] + 1 }
  if (p[1] == "networks" && p[3] == "routes" && n == 5) { R[p[2], p[4], p[5]] = v; if (p[4] + 1 > nr[p[2]]) nr[p[2]] = p[4] + 1 }
  if (p[1] == "services" && n == 3) { S[p[2], p[3]] = v; if (p[2] + 1 > ns) ns = p[2] + 1 }
}
END {
  for (i = 0; i < nl; i++) if (tolower(L[i, "ethernet_mac_address"]) == tolower(mac)) mine[L[i, "id"]] = 1
  for (j = 0; j < nn; j++) {
    if (!(N[j, "link"] in mine) || N[j, "type"] !~ /^ipv4/) continue
    gw = "-"
    for (r = 0; r < nr[j]; r++) if (R[j, r, "network"] == "0.0.0.0" && gw == "-") gw = R[j, r, "gateway"]
    dns = ""
    for (s = 0; s < ns; s++) if (S[s, "type"] == "dns") dns = dns " " S[s, "address"]
    ip = N[j, "ip_address"]; mask = N[j, "netmask"]
    print N[j, "type"], (ip == "" ? "-" : ip), (mask == "" ? "-" : mask), gw dns
    exit
  }
}
