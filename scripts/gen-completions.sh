#!/bin/sh
# Regenerates completions/ and .env.example from the built binary (run after changing commands or config).
# Tests fail when the committed files differ from what this writes.
set -eu
cd "$(dirname "$0")/.."
swift build --product chatctl
bin="$(swift build --show-bin-path)/chatctl"
"$bin" --generate-completion-script bash > completions/chatctl.bash
"$bin" --generate-completion-script zsh > completions/_chatctl
"$bin" --generate-completion-script fish > completions/chatctl.fish
"$bin" config init --example > .env.example
echo "wrote completions/chatctl.bash completions/_chatctl completions/chatctl.fish .env.example"
