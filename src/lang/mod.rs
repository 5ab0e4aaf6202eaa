//! The `.mascot` language: parse (pest) -> AST with spans -> check -> IR.
