"""The JSON lines reader: each line parsed whole, as BigQuery would, into the contract's columns as text."""

from __future__ import annotations

from uuid import uuid4

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as sf
from pyspark.sql.types import ArrayType, MapType, StringType

from spark_jobs.contract import RAW_RECORD, Contract
from spark_jobs.input_files import data_files, directory_value, input_file_names, named_by_directories

# Why a line is rejected as malformed. A JSON array or a pretty-printed object, written over many lines, is
# a common export: every one of its lines is rejected, and the reason says what the format asks for.
MALFORMED_JSON_LINE = (
    "the line is not one JSON object with distinct field names (ignoring case): JSON Lines has one whole "
    "object per line, not an array or an object written over several lines"
)


def read_json(spark: SparkSession, location: str, contract: Contract) -> DataFrame:
    """JSON lines, each line parsed as a whole from its text, field names compared ignoring case.

    Spark's JSON parsing takes the first value on a line and ignores whatever follows it, and matches field
    names exactly. So a line is parsed as the first element of an array whose second element is an end
    marker, each element an object read as a map of field name to text: the array has exactly the line's
    object and the marker only when the line is one object and nothing follows it. Names are then compared
    in lower case (lowering them only when one is not), and two fields for the same contract column make the
    line malformed; fields not in the contract are ignored, even repeated. Numbers that are field values are
    quoted first, so that their text arrives exactly. Each step is its own projection: Spark computes a
    projected value once, instead of once for each later expression using it.
    """
    lines = spark.read.option("recursiveFileLookup", "true").text(location)
    text = sf.col("value")
    whole_characters = sf.when(
        text.contains("\\u"), sf.regexp_replace(text, _LONE_SURROGATE_ESCAPE, _LONE_SURROGATE_REPLACED)
    ).otherwise(text)
    exact_numbers = sf.regexp_replace(whole_characters, _FIELD_NUMBER, _FIELD_NUMBER_QUOTED)
    # The end marker: an object whose one field's name is new to this run, so no line can contain it.
    end_name = f"end of line {uuid4().hex}"
    with_marker = sf.concat(sf.lit("["), exact_numbers, sf.lit(f',{{"{end_name}":""}}]'))
    elements = sf.from_json(with_marker, _OBJECTS, _JSON_OPTIONS)
    parsed = lines.where(text.rlike(_NOT_BLANK)).select(text.alias(RAW_RECORD), elements.alias(_PARSED))

    whole_line = (sf.size(_PARSED) == 2) & (sf.col(_PARSED)[1][end_name] == "")
    objects = parsed.select(RAW_RECORD, sf.when(whole_line, sf.col(_PARSED)[0]).alias(_OBJECT_FIELDS))

    names = sf.map_keys(_OBJECT_FIELDS)
    all_names = sf.array_join(names, "")
    lowered = sf.when(sf.lower(all_names) == all_names, names).otherwise(sf.transform(names, sf.lower))
    named = objects.select(RAW_RECORD, lowered.alias(_NAMES), sf.map_values(_OBJECT_FIELDS).alias(_VALUES))
    by_name = named.select(RAW_RECORD, _fields_by_name(contract).alias(_FIELDS))

    # A field a line leaves out (or null) takes the value of a directory named after it.
    from_directories = named_by_directories(input_file_names(data_files(lines)), contract)
    values = {name: sf.col(_FIELDS)[name.lower()] for name in contract.column_names}
    for name in from_directories:  # not for a line that could not be split into fields
        filled = sf.coalesce(values[name], directory_value(name))
        values[name] = sf.when(sf.col(_FIELDS).isNotNull(), filled)
    # A line comes as the file's bytes, UTF-8 or not: Spark decodes the parsed values (bytes that are not
    # UTF-8 become U+FFFD, which the validation rejects), so the line kept whole is decoded the same way,
    # or the quarantine would hold text that is not UTF-8, which BigQuery refuses to load.
    raw_record = sf.encode(sf.col(RAW_RECORD), "UTF-8").cast(StringType())
    return by_name.select(
        *[value.alias(name) for name, value in values.items()],
        sf.when(sf.col(_FIELDS).isNull(), raw_record).alias(RAW_RECORD),
    )


def _fields_by_name(contract: Contract) -> Column:
    """A line's fields as a map of lower-case name to text; null when two are for the same contract column.

    Names nearly always differ: only a line where some repeat has the contract's fields picked out first.
    """
    names, values = sf.col(_NAMES), sf.col(_VALUES)
    contract_names_lowered = [column.lower() for column in contract.column_names]

    def in_contract(name: Column) -> Column:
        return name.isin(contract_names_lowered)

    contract_names = sf.filter(names, in_contract)
    contract_values = sf.filter(values, lambda _, index: in_contract(names[index]))
    return sf.when(
        sf.size(names) == sf.size(sf.array_distinct(names)), sf.map_from_arrays(names, values)
    ).when(
        sf.size(contract_names) == sf.size(sf.array_distinct(contract_names)),
        sf.map_from_arrays(contract_names, contract_values),
    )


# Strict JSON, as BigQuery reads it: Spark would otherwise accept single quotes and NaN. And no limit on a
# value's length or nesting: past the parser's own (20,000,000 characters of text, 1,000 digits, 1,000
# levels), a valid line would be rejected as not JSON, even for a field the contract ignores.
_UNLIMITED = str(2**31 - 1)
_JSON_OPTIONS = {
    "allowSingleQuotes": "false",
    "allowNonNumericNumbers": "false",
    "maxStringLen": _UNLIMITED,
    "maxNumLen": _UNLIMITED,
    "maxNestingDepth": _UNLIMITED,
}
# Spark 3.5 reads a JSON number with a fraction or an exponent through a double: its text would come back
# rounded to about 16 digits (`12345678.5` as `1.23456785E7`, `1e-400` as `0.0`). So a valid JSON number
# that is a field's value (it follows a field name's colon) is quoted first; numbers in arrays are left as
# they are. The pattern matches every string whole, so a number inside one is never touched, and a quoted
# line is valid JSON exactly when the line was, with the same values, now as text. The replacement is the
# same for every match and the number is optional, so the quotes it adds must be captured text: the field
# name's closing quote, captured only once the lookahead has made sure a number follows. A string left
# open runs to the end of the line and a backslash may precede any character, so that a malformed line is
# still scanned once (rescanning it from each escaped quote took minutes on a 300,000-character line).
_JSON_STRING = r'"[^"\\]*+(?:\\[\s\S]?[^"\\]*+)*+"?'
_JSON_NUMBER = r"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][+-]?[0-9]++)?+(?![0-9.eE+-])"
_COLON = r"[ \t]*+:[ \t]*+"
_FIELD_NUMBER = rf'({_JSON_STRING})(?:(?={_COLON}{_JSON_NUMBER})(?<=("))({_COLON})({_JSON_NUMBER}))?'
_FIELD_NUMBER_QUOTED = "$1$3$2$4$2"
# An escaped surrogate that is not one half of a pair (`"\ud83d"`, as JavaScript writes a text cut between
# the two halves of an emoji) is no character: Spark would load it as `?`, unseen. It becomes U+FFFD, which
# the validation rejects as it rejects bytes that are not UTF-8. The line is read from where the last match
# ended (\G) one token at a time: text without a backslash, an escape of one character (so `"\\ud800"` is a
# backslash and `ud800`), an escape of a character that is no surrogate, or a pair; the first lone half
# after them is replaced, the tokens kept (group 1). One pass, whatever the runs of backslashes.
_HEX = "[0-9a-fA-F]"
_HIGH_HALF, _LOW_HALF = rf"[dD][89abAB]{_HEX}{{2}}", rf"[dD][c-fC-F]{_HEX}{{2}}"
_LONE_SURROGATE_ESCAPE = (
    rf"\G((?:[^\\]++|\\[^u]|\\u(?![dD][89a-fA-F])|\\u{_HIGH_HALF}\\u{_LOW_HALF})*+)"
    rf"\\u(?:{_HIGH_HALF}|{_LOW_HALF})"
)
_LONE_SURROGATE_REPLACED = "$1\ufffd"
# Each element an object, as field name -> value as text (an object's or array's as its JSON text).
_OBJECTS = ArrayType(MapType(StringType(), StringType()))
# A line of only JSON whitespace is skipped (Spark splits lines at \n and \r).
_NOT_BLANK = r"[^ \t]"
# The JSON reader's intermediate columns; the contract's columns appear only in its last step.
_PARSED = "_parsed"
_OBJECT_FIELDS = "_object"
_FIELDS = "_fields"
_NAMES = "_names"
_VALUES = "_values"
