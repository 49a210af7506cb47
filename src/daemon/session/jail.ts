// Stage 5: the jail the tool runs in (or the reason it runs unjailed), the sandbox view it must see,
// and the holder process that will start it.
import type { Agent, LoadedConfig } from "../../config/load.ts";
import type { ViewChoice } from "../agent-views.ts";
import type { DaemonContext } from "../context.ts";
import { messageOf } from "../errors.ts";
import { chooseJail, type JailChoice, jailEnabled, jailSpecOf } from "../jail/choose.ts";
import type { Holder } from "../jail/pool.ts";
import type { Prepared } from "./prepare.ts";
import { broken, denied, type Refusal } from "./refusal.ts";

export type Jailed =
  | { readonly kind: "off" }
  | {
      readonly kind: "on";
      readonly layout: Extract<JailChoice, { kind: "on" }>["layout"];
      readonly holder: Holder;
      /** The tool sees the workspace through a sandbox's view. */
      readonly sandboxed: boolean;
    };

export async function jailFor(
  ctx: DaemonContext,
  config: LoadedConfig,
  agent: Agent,
  agentName: string,
  prepared: Prepared,
  view: ViewChoice,
): Promise<Jailed | Refusal> {
  const { module, plan } = prepared;
  const command = plan.command;
  // A module that keeps ssh keys in an agent gets the daemon's own where the daemon has none.
  const wantsAgent = jailEnabled(agent) && jailSpecOf(module, config).ssh === "agent";
  const ownAgent =
    wantsAgent && ctx.env.SSH_AUTH_SOCK === undefined ? await ctx.jails?.ownSshAgent() : undefined;
  const jailEnv = ownAgent === undefined ? ctx.env : { ...ctx.env, SSH_AUTH_SOCK: ownAgent };
  const jail = chooseJail(config, agent, module, plan.bin, [...prepared.writable], jailEnv);
  if (jail.kind === "refused") return denied("jail", `cannot jail ${command}: ${jail.reason}`);
  if (jail.kind === "off") {
    // A client in `airlock sandbox`: the tool must see the workspace as the agent does, which needs the jail.
    if (view.kind !== "none")
      return denied(
        "agent-view",
        `${agentName} runs its tools unjailed (${jail.why}): from an airlock sandbox they would see files the sandbox hides`,
      );
    return { kind: "off" };
  }
  if (!ctx.jails) return broken(`${command} must run jailed and this daemon cannot build jails`);
  if (view.kind === "refused") return denied("agent-view", `cannot jail ${command}: ${view.reason}`);
  const jails = ctx.jails;
  try {
    const holder = await jails.holderFor(
      agentName,
      jail.layout,
      prepared.identities,
      view.kind === "view" ? { key: view.view.key, clone: () => ctx.agentViews.clone(view.view) } : undefined,
    );
    return { kind: "on", layout: jail.layout, holder, sandboxed: view.kind === "view" };
  } catch (error) {
    return broken(messageOf(error));
  }
}
