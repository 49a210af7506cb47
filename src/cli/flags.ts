// Flags shared by several commands, spelled the same way everywhere.
export const agentsFlag = {
  agents: { type: "string", description: 'agents file (`[name] path = "/dir"` tables)', valueHint: "FILE" },
} as const;

export const configFlag = {
  config: { type: "string", description: "config directory (default ~/.config/airlock)", valueHint: "DIR" },
} as const;

const socketsFlag = {
  sockets: {
    type: "string",
    description: "socket directory (default $XDG_RUNTIME_DIR/airlock)",
    valueHint: "DIR",
  },
} as const;

export const jsonFlag = {
  json: { type: "boolean", description: "print machine-readable JSON on stdout", default: false },
} as const;

export const locationFlags = { ...agentsFlag, ...configFlag, ...socketsFlag } as const;
