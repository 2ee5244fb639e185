/**
 * `pergola completion bash|zsh`: a completion script generated from the command tree, so it
 * never lags behind the commands. zsh uses the same script through bashcompinit.
 */
import type { Command } from "commander";
import { examples } from "../command.js";
import { badInput } from "../errors.js";

function optionsOf(cmd: Command): string[] {
  return [...cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f))), "--help"];
}

export function bashCompletion(program: Command): string {
  const top = program.commands.filter((c) => c.name() !== "help");
  const verbs = top.map((c) => c.name());
  const nounCases = top
    .filter((c) => c.commands.length)
    .map((c) => `      ${c.name()}) COMPREPLY=($(compgen -W "${c.commands.map((n) => n.name()).join(" ")}" -- "$cur")); return ;;`);
  const optionCases = top.flatMap((c) =>
    c.commands.length
      ? c.commands.map((n) => `    "${c.name()} ${n.name()}") opts="${optionsOf(n).join(" ")}" ;;`)
      : [`    "${c.name()} "*) opts="${optionsOf(c).join(" ")}" ;;`],
  );
  return `# pergola completion (bash). Load it with: source <(pergola completion bash)
_pergola() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=""
  local verb="\${COMP_WORDS[1]}" noun="\${COMP_WORDS[2]}"
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml" -- "$cur")); return ;;
    -t|--type) COMPREPLY=($(compgen -W "dev qa prod" -- "$cur")); return ;;
    --role) COMPREPLY=($(compgen -W "owner member" -- "$cur")); return ;;
    -d|--dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${verbs.join(" ")} --help --version" -- "$cur")); return
  fi
  if [[ $COMP_CWORD -eq 2 && "$cur" != -* ]]; then
    case "$verb" in
${nounCases.join("\n")}
    esac
  fi
  case "$verb $noun" in
${optionCases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); fi
}
complete -o default -F _pergola pergola
`;
}

export function registerCompletion(program: Command): void {
  const cmd = program
    .command("completion")
    .description("Print a shell completion script (bash or zsh)")
    .argument("<shell>", "bash or zsh")
    .action((shell: string) => {
      const script = bashCompletion(program);
      if (shell === "bash") process.stdout.write(script);
      else if (shell === "zsh")
        process.stdout.write(
          `# pergola completion (zsh). Load it with: source <(pergola completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${script}`,
        );
      else throw badInput(`completion ${shell}: choose bash or zsh`);
    });
  examples(cmd, ["source <(pergola completion bash)     # in ~/.bashrc", "source <(pergola completion zsh)      # in ~/.zshrc"]);
}
