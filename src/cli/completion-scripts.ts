/**
 * Shell completion scripts for `phoenix completion bash|zsh|fish`. Each is a thin shim: it
 * hands the words up to the cursor to the hidden `phoenix __complete -- WORDS...`, which answers
 * one candidate a line (completion-candidates.ts), so that commands, options, environment and
 * service names always come from the Phoenix that is installed and the folder at hand. When it
 * answers nothing (a file or folder argument), the shell completes file names.
 */

/** The shells Phoenix writes completion for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;

export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

const BASH = `# phoenix completion for bash. Install: source <(phoenix completion bash)
# or: phoenix completion bash > /etc/bash_completion.d/phoenix
_phoenix_completion() {
  local IFS=$'\\n'
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local -a candidates
  candidates=($(phoenix __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  COMPREPLY=($(compgen -W "\${candidates[*]}" -- "$cur"))
}
complete -o default -F _phoenix_completion phoenix
`;

const ZSH = `#compdef phoenix
# phoenix completion for zsh. Install: source <(phoenix completion zsh) in ~/.zshrc,
# or: phoenix completion zsh > "\${fpath[1]}/_phoenix"
_phoenix() {
  local -a candidates
  candidates=("\${(@f)$(phoenix __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  if (( \${#candidates} > 0 )); then
    compadd -- "\${(@)candidates}"
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == _phoenix ]]; then
  _phoenix "$@"
else
  (( \${+functions[compdef]} )) || { autoload -Uz compinit && compinit -i; }
  compdef _phoenix phoenix
fi
`;

/** The fish script; options taking a file or folder get fish's own file completion. */
function fish(pathOptions: readonly string[]): string {
  const files = pathOptions.map((long) => `complete -c phoenix -l ${long.replace(/^--/, '')} -r -F\n`).join('');
  return `# phoenix completion for fish. Install: phoenix completion fish > ~/.config/fish/completions/phoenix.fish
function __phoenix_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    phoenix __complete -- $tokens (commandline -ct) 2>/dev/null
end
complete -c phoenix -f -a '(__phoenix_complete)'
${files}`;
}

/** The completion script for `shell`; `pathOptions` are the long options that take a file or folder. */
export function completionScript(shell: CompletionShell, pathOptions: readonly string[]): string {
  if (shell === 'bash') return BASH;
  if (shell === 'zsh') return ZSH;
  return fish(pathOptions);
}
