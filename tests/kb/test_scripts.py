"""The scripts a text is written in, and those of each language."""

from __future__ import annotations

from kb.scripts import language_scripts, text_script, text_scripts, written_in


def test_a_text_is_written_in_the_script_of_most_of_its_letters():
    assert text_script("Общината отваря цифрово гише") == "cyrillic"
    assert text_script("Ο δήμος ανοίγει ψηφιακό γκισέ") == "greek"
    assert text_script("2024-01-01 12:00") is None


def test_japanese_is_told_from_chinese_by_its_kana():
    assert text_scripts("誰も把握していなかった上伊那郡箕輪町の保育園") == {"kana"}
    assert text_scripts("传统中医治高血压必须辨证论治。") == {"han"}
    assert not written_in("zh", text_scripts("フグ専門の割烹料亭「良の家」が営む温泉施設。"))


def test_a_mixed_text_is_written_in_each_script_holding_a_good_share_of_it():
    assert text_scripts("SEO পর্ব-৩ HTML,Meta Tag,Back links চেক করার কিছু লিংক।") == {"latin", "bengali"}
    assert text_scripts("Компания Microsoft открыла офис в Москве и Санкт-Петербурге") == {"cyrillic"}


def test_languages_are_written_in_their_scripts_and_unknown_ones_in_latin_letters():
    assert language_scripts("bg") == {"cyrillic"} and language_scripts("sr") == {"cyrillic", "latin"}
    assert language_scripts("lb") == {"latin"}
    assert written_in("nl", frozenset()) and not written_in("nl", frozenset({"cyrillic"}))
