import pytest

from course_utils import integrity


@pytest.fixture
def data_dir(tmp_path):
    (tmp_path / "facts.csv").write_text("year,error\n2012,16.42\n")
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "01.yaml").write_text("questions: []\n")
    (tmp_path / "README.md").write_text("not hashed\n")
    integrity.write_checksums(tmp_path)
    return tmp_path


def test_recorded_files_verify(data_dir):
    assert integrity.shipped_files(data_dir) == ["facts.csv", "quizzes/01.yaml"]
    assert integrity.verified_path("quizzes/01.yaml", data_dir) == data_dir / "quizzes" / "01.yaml"


def test_a_changed_file_names_itself_and_both_hashes(data_dir):
    before = integrity.sha256_of(data_dir / "facts.csv")
    (data_dir / "facts.csv").write_text("year,error\n2012,1.0\n")
    after = integrity.sha256_of(data_dir / "facts.csv")
    with pytest.raises(integrity.IntegrityError) as error:
        integrity.verified_path("facts.csv", data_dir)
    message = str(error.value)
    assert "facts.csv" in message and before in message and after in message
    assert "make checksums" in message


def test_unrecorded_and_missing_files_are_refused(data_dir):
    (data_dir / "new.csv").write_text("a\n")
    with pytest.raises(integrity.IntegrityError, match="has no SHA-256"):
        integrity.verified_path("new.csv", data_dir)
    with pytest.raises(integrity.IntegrityError, match="missing"):
        integrity.verified_path("gone.csv", data_dir)


def test_a_malformed_sums_file_says_which_line(data_dir):
    (data_dir / integrity.SUMS_FILE).write_text("abc facts.csv\n")
    with pytest.raises(integrity.IntegrityError, match="line 1"):
        integrity.recorded_hashes(data_dir)


def test_every_file_the_course_ships_is_recorded_and_intact():
    recorded = integrity.recorded_hashes()
    shipped = integrity.shipped_files()
    assert sorted(recorded) == shipped, "run `make checksums` after adding or removing a data file"
    for name in shipped:
        integrity.verified_path(name)
