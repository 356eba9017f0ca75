"""Generation routes: the heuristic template route here; the LLM routes in llm_route/llm_prompts."""
