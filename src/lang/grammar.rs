//! The pest parser generated from `grammar/mascot.pest`, and the human names of its rules
//! used in syntax error messages.

use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/mascot.pest"]
pub struct MascotParser;

/// How a rule is called in an error message ("expected a persona block").
pub fn rule_name(rule: &Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE => "whitespace",
        Rule::COMMENT => "a comment",
        Rule::file => "a .mascot file",
        Rule::item => "an item (import, experiment, declaration, pipeline, variant, sweep)",
        Rule::import => "an import (`import \"file.mascot\"`)",
        Rule::experiment => "the experiment header (`experiment \"title\" { ... }`)",
        Rule::decl => "a declaration (`persona name { ... }`)",
        Rule::decl_keyword => {
            "a declaration keyword (persona, rubric, model, judge, dataset, users, reward, executor)"
        }
        Rule::reward_decl => "a reward (`reward name = ...`)",
        Rule::pipeline => "the pipeline block",
        Rule::stage => "a stage (`sample_candidates { ... }`)",
        Rule::variant => "a variant (`variant \"NAME\" { ... }`)",
        Rule::variant_op => "`remove STAGE` or `set STAGE.FIELD = VALUE`",
        Rule::remove_op => "`remove STAGE`",
        Rule::set_op => "`set STAGE.FIELD = VALUE`",
        Rule::field_path => "a field path (`stage.field`)",
        Rule::sweep => "a sweep (`sweep \"NAME\" { stage.field in [...] }`)",
        Rule::sweep_on => "the variants a sweep applies to (`on [\"A\", \"B\"]`)",
        Rule::sweep_axis => "a sweep axis (`stage.field in [a, b]`)",
        Rule::block => "a block (`{ field: value ... }`)",
        Rule::field => "a field (`name: value`)",
        Rule::expr => "a value",
        Rule::add_op => "`+` or `-`",
        Rule::term => "a value",
        Rule::mul_op => "`*`",
        Rule::atom => "a value",
        Rule::paren => "a parenthesised expression",
        Rule::call => "a call (`name(args)`)",
        Rule::arg => "an argument",
        Rule::range => "a range (`1..5`)",
        Rule::list => "a list (`[a, b]`)",
        Rule::object => "an object (`{ key: value }`)",
        Rule::name => "a name",
        Rule::boolean => "`true` or `false`",
        Rule::number => "a number",
        Rule::string => "a string (`\"...\"`)",
        Rule::string_inner => "string text",
        Rule::ident => "a name",
        Rule::ident_char => "a letter, digit or `_`",
        Rule::keyword => "a keyword",
    }
}
