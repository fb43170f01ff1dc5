// agentperf-opencode-plugin (placeholder: the plugin is being built, see docs/design/opencode-integration.md §3)
export const AgentperfPlugin = async () => ({});
