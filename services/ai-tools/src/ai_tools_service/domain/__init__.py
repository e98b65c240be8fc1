"""What the assistant's tools decide, without I/O: tool execution rules, loop guard, wording."""
