# Shared terminal output for the scripts: phase lines with elapsed time, colour only when allowed.
# Source it (`. scripts/lib/ui.sh`); it defines functions and variables, and runs nothing else.
#
# Colour (bold phase lines) is used only when stdout is a terminal and NO_COLOR is not set
# (https://no-color.org); a log file never gets escape codes. Elapsed times count from
# SHADOWPROXY_T0 (seconds since the epoch), which the first script to source this file sets and
# exports, so the scripts it runs count from the same start.

: "${SHADOWPROXY_T0:=$(date +%s)}"
export SHADOWPROXY_T0

ui_bold=""
ui_plain=""
if [ -t 1 ] && [ -z "${NO_COLOR+set}" ] && [ "${TERM:-dumb}" != dumb ]; then
    ui_bold=$'\033[1m'
    ui_plain=$'\033[0m'
fi

# ui_duration SECONDS: "42s", "3m07s", "1h02m".
ui_duration() {
    local s=$1
    if [ "$s" -lt 60 ]; then
        printf '%ds' "$s"
    elif [ "$s" -lt 3600 ]; then
        printf '%dm%02ds' $((s / 60)) $((s % 60))
    else
        printf '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
    fi
}

# ui_elapsed: the time since SHADOWPROXY_T0, as ui_duration prints it.
ui_elapsed() {
    ui_duration $(($(date +%s) - SHADOWPROXY_T0))
}

# ui_step TEXT: one phase line, "==> [elapsed] TEXT".
ui_step() {
    printf '\n%s==> [%s] %s%s\n' "$ui_bold" "$(ui_elapsed)" "$*" "$ui_plain"
}
