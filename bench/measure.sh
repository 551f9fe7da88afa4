# Sourced by the benchmark scripts: wall time, own CPU time and the other users' load of
# one command.

# Busy CPU ticks of the whole machine, and those of this script's finished children.
cpu_ticks() {
  echo "$(awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat) $(awk '{print $16 + $17}' /proc/$$/stat)"
}

# measure OUT COMMAND...: runs COMMAND (output to OUT), then prints its wall time, its CPU
# time and how many cores other processes on the machine kept busy meanwhile.
measure() {
  local out=$1 before start
  shift
  before=$(cpu_ticks) start=$(date +%s.%N)
  "$@" > "$out" 2>&1
  echo "$before $(cpu_ticks) $start $(date +%s.%N)" | awk -v hz="$(getconf CLK_TCK)" '{
    printf "{\"wall_s\": %.1f, \"cpu_s\": %.1f, \"other_cores\": %.2f}\n", $6 - $5, ($4 - $2) / hz,
      (($3 - $1) - ($4 - $2)) / hz / ($6 - $5) }'
}
