# Flattens pretty-printed JSON (one member per line, as JSON.stringify(v, null, 2)
# writes it) into `path=value` lines, e.g. `networks.0.routes.0.gateway=192.0.2.1`.
# Busybox has no JSON tool; config drives are written pretty-printed, so this suffices.
function path(k,   p, i) { p = ""; for (i = 2; i <= depth; i++) p = p name[i] "."; return p k }
{
  line = $0
  sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line); sub(/,$/, "", line)
  if (line == "") next
  if (line == "}" || line == "]") { depth--; next }
  key = ""
  if (depth > 0 && isarr[depth]) key = idx[depth]++
  else if (match(line, /^"[^"]*": /)) { key = substr(line, 2, RLENGTH - 4); line = substr(line, RLENGTH + 1) }
  if (line == "{" || line == "[") { depth++; name[depth] = key; isarr[depth] = (line == "["); idx[depth] = 0; next }
  if (line == "{}" || line == "[]") next
  if (line ~ /^".*"$/) line = substr(line, 2, length(line) - 2)
  print path(key) "=" line
}
