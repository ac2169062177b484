"""The feature-group procedure against a hand-built activation matrix."""
import numpy as np
import pytest
import scipy.sparse as sp

from thumbnail_lab.features.groups import feature_status, find_feature_groups, held_out_rows, high_low


def hand_built():
    """3 latents x 8 thumbnails; latent 2 never passes the threshold."""
    acts = np.zeros((8, 3))
    acts[:, 0] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.0, 0.0, 0.0]       # active on rows 0-4
    acts[:, 1] = [0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.04, 0.5]      # active on rows 2,3,4,5,7 (0.04 < 0.05)
    acts[:, 2] = 0.01
    views = np.array([10, 20, 30, 40, 50, 60, 70, 80], dtype=float)
    return acts, views


@pytest.mark.parametrize("as_sparse", [False, True])
def test_groups_on_hand_built_matrix(as_sparse):
    acts, views = hand_built()
    g = find_feature_groups(sp.csr_matrix(acts) if as_sparse else acts, views,
                            threshold=0.05, min_count=4, group_size=3)
    assert g.table["feature"].tolist() == [0, 1]
    assert g.table["n_active"].tolist() == [5, 5]
    # latent 0: top-3 rows 0,1,2; row 0 held out; median of views 20, 30 = 25
    # latent 1: top-3 rows 7,5,4; row 7 held out; median of views 60, 50 = 55
    np.testing.assert_array_equal(g.members, [[0, 1, 2], [7, 5, 4]])
    np.testing.assert_allclose(g.table["group_stat"], [25.0, 55.0])
    assert g.table["held_out"].tolist() == [0, 7]
    assert g.table["rank"].tolist() == [2, 1]
    np.testing.assert_allclose(g.table["magnitude"], np.array([25.0, 55.0]) / 45.0)


def test_min_count_excludes_and_mean_statistic():
    acts, views = hand_built()
    g = find_feature_groups(acts, views, threshold=0.05, min_count=6, group_size=3)
    assert len(g.table) == 0
    g = find_feature_groups(acts, views, threshold=0.05, min_count=5, group_size=5, n_held_out=1, statistic="mean")
    np.testing.assert_allclose(g.table["group_stat"], [np.mean([20, 30, 40, 50]), np.mean([60, 50, 40, 30])])


def test_ties_broken_by_row_and_high_low_lists():
    acts = np.zeros((6, 4))
    acts[:, 0] = 1.0                         # all tied: lowest rows win
    acts[:, 1] = [0, 0, 1, 1, 1, 1]
    acts[:, 2] = [1, 1, 1, 1, 0, 0]
    acts[:, 3] = [0, 1, 1, 1, 1, 0]
    views = np.arange(6, dtype=float)
    g = find_feature_groups(acts, views, threshold=0.5, min_count=4, group_size=4, n_held_out=1)
    np.testing.assert_array_equal(g.members[0], [0, 1, 2, 3])
    high, low = high_low(g, top_k=1)
    # latents 0 and 2 tie (same group, median 2): the lower index ranks first, so 2 is last
    assert high["feature"].tolist() == [1] and low["feature"].tolist() == [2]
    status = feature_status(g, top_k=1)
    assert status[1] == "high" and status[2] == "low" and status[0] == "middle"
    np.testing.assert_array_equal(held_out_rows(g, [1, 0]), [2, 0])


def test_bad_input_is_an_error():
    acts, views = hand_built()
    with pytest.raises(ValueError, match="views has shape"):
        find_feature_groups(acts, views[:-1], min_count=4, group_size=3)
    with pytest.raises(ValueError, match="min_count"):
        find_feature_groups(acts, views, min_count=2, group_size=3)
